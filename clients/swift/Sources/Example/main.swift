// Asks idgate whether a rider may start a ride:
//   swift run Example cust_… [host:port]
// The API key comes from IDGATE_API_KEY (default: `make run`'s development key). Plaintext is
// for a loopback address only; anywhere else use transportSecurity: .tls.
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import IdgateClient

/// Sends the API key as `authorization: Bearer …` on every call.
struct APIKey: ClientInterceptor {
    let key: String

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.addString("Bearer \(key)", forKey: "authorization")
        return try await next(request, context)
    }
}

let arguments = CommandLine.arguments.dropFirst()
guard let customer = arguments.first else {
    print("usage: swift run Example cust_… [host:port]")
    exit(2)
}
let parts = (arguments.dropFirst().first ?? "127.0.0.1:50051").split(separator: ":")
let key = ProcessInfo.processInfo.environment["IDGATE_API_KEY"] ?? "idg_test_local_development_bootstrap_key"

try await withGRPCClient(
    transport: .http2NIOPosix(
        target: .dns(host: String(parts[0]), port: Int(parts[1]) ?? 50051),
        transportSecurity: .plaintext
    ),
    interceptors: [APIKey(key: key)]
) { client in
    let identity = Idgate_V1_IdentityService.Client(wrapping: client)
    var request = Idgate_V1_CheckAccessRequest()
    request.customerID = customer
    request.action = "ride_start"
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    do {
        let access = try await identity.checkAccess(request, options: options)
        print("allowed: \(access.allowed), required_action: \(access.requiredAction), message: \(access.message)")
    } catch let error as RPCError {
        print("idgate answered \(error.code): \(error.message)")
    }
}
