// Package dev.idgate.client: a thin layer over the generated stubs (idgate.v1.*GrpcKt) for what
// every caller needs: the API key on every call, TLS, a default deadline, retries of
// Unavailable, and the field violations of an InvalidArgument.
package dev.idgate.client

import com.google.rpc.BadRequest
import io.grpc.CallCredentials
import io.grpc.CallOptions
import io.grpc.Channel
import io.grpc.ClientCall
import io.grpc.ClientInterceptor
import io.grpc.ClientInterceptors
import io.grpc.ManagedChannel
import io.grpc.ManagedChannelBuilder
import io.grpc.Metadata
import io.grpc.MethodDescriptor
import io.grpc.Status
import io.grpc.protobuf.StatusProto
import idgate.v1.AdminServiceGrpc
import idgate.v1.ConnectOnboardingServiceGrpc
import idgate.v1.IdentityServiceGrpc
import idgate.v1.RiskServiceGrpc
import idgate.v1.WebhookServiceGrpc
import idgate.v1.AdminServiceGrpcKt.AdminServiceCoroutineStub
import idgate.v1.ConnectOnboardingServiceGrpcKt.ConnectOnboardingServiceCoroutineStub
import idgate.v1.IdentityServiceGrpcKt.IdentityServiceCoroutineStub
import idgate.v1.RiskServiceGrpcKt.RiskServiceCoroutineStub
import idgate.v1.WebhookServiceGrpcKt.WebhookServiceCoroutineStub
import java.io.Closeable
import java.net.InetAddress
import java.util.concurrent.Executor
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * IdgateClient holds one channel to idgate and a coroutine stub per service, each sending
 * [apiKey] as `authorization: Bearer …`. A call with no deadline of its own gets [deadline].
 *
 * [target] is `host:port`. The connection uses TLS unless [plaintext] is set, which is allowed
 * only for a loopback host (`make run`, tests): the key is never sent in the clear elsewhere.
 */
class IdgateClient(
    target: String,
    apiKey: String,
    plaintext: Boolean = false,
    deadline: Duration = 10.seconds,
) : Closeable {
    private val channel: ManagedChannel = channel(target, plaintext)
    private val calls: Channel = ClientInterceptors.intercept(channel, DefaultDeadline(deadline))
    private val key = ApiKeyCredentials(apiKey)

    val identity = IdentityServiceCoroutineStub(calls).withCallCredentials(key)
    val risk = RiskServiceCoroutineStub(calls).withCallCredentials(key)
    val onboarding = ConnectOnboardingServiceCoroutineStub(calls).withCallCredentials(key)
    val admin = AdminServiceCoroutineStub(calls).withCallCredentials(key)
    val webhooks = WebhookServiceCoroutineStub(calls).withCallCredentials(key)

    override fun close() {
        channel.shutdown()
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) channel.shutdownNow()
    }

    companion object {
        /** The services [retryServiceConfig] retries. */
        val SERVICES = listOf(
            IdentityServiceGrpc.SERVICE_NAME, RiskServiceGrpc.SERVICE_NAME, ConnectOnboardingServiceGrpc.SERVICE_NAME,
            AdminServiceGrpc.SERVICE_NAME, WebhookServiceGrpc.SERVICE_NAME,
        )

        /**
         * The service config every channel gets: Unavailable (idgate's answer while its
         * database is down, and a lost connection) is retried up to 4 attempts with
         * exponential backoff from 0.2 s to 2 s. idgate's creates are idempotent, so this is
         * safe for every method.
         */
        val retryServiceConfig: Map<String, Any> = mapOf(
            "methodConfig" to listOf(
                mapOf(
                    "name" to SERVICES.map { mapOf("service" to it) },
                    "retryPolicy" to mapOf(
                        "maxAttempts" to 4.0,
                        "initialBackoff" to "0.2s",
                        "maxBackoff" to "2s",
                        "backoffMultiplier" to 2.0,
                        "retryableStatusCodes" to listOf("UNAVAILABLE"),
                    ),
                ),
            ),
        )

        /** A channel to [target] with the retry policy; see [IdgateClient] for [plaintext]. */
        fun channel(target: String, plaintext: Boolean = false): ManagedChannel {
            val builder = ManagedChannelBuilder.forTarget(target)
                .defaultServiceConfig(retryServiceConfig)
                .enableRetry()
            if (plaintext) {
                require(isLoopback(target)) {
                    "plaintext is only for a loopback address, not $target: idgate's API key must not cross a network in the clear"
                }
                builder.usePlaintext()
            } else {
                builder.useTransportSecurity()
            }
            return builder.build()
        }

        internal fun isLoopback(target: String): Boolean {
            val host = target.substringBeforeLast(':').removePrefix("[").removeSuffix("]")
            if (host == "localhost") return true
            // Only literal addresses: resolving a name here would trust DNS with the decision.
            if (!host.contains(':') && !host.matches(Regex("""\d{1,3}(\.\d{1,3}){3}"""))) return false
            return runCatching { InetAddress.getByName(host).isLoopbackAddress }.getOrDefault(false)
        }
    }
}

/** ApiKeyCredentials sends an idgate API key (or operator session token) with every call. */
class ApiKeyCredentials(private val apiKey: String) : CallCredentials() {
    override fun applyRequestMetadata(info: RequestInfo, executor: Executor, applier: MetadataApplier) {
        val headers = Metadata()
        headers.put(AUTHORIZATION, "Bearer $apiKey")
        applier.apply(headers)
    }

    private companion object {
        val AUTHORIZATION: Metadata.Key<String> = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)
    }
}

/** DefaultDeadline gives a call without a deadline one of [timeout]. */
class DefaultDeadline(private val timeout: Duration) : ClientInterceptor {
    override fun <Q, A> interceptCall(method: MethodDescriptor<Q, A>, options: CallOptions, next: Channel): ClientCall<Q, A> {
        val withDeadline = if (options.deadline == null) options.withDeadlineAfter(timeout.inWholeMilliseconds, TimeUnit.MILLISECONDS) else options
        return next.newCall(method, withDeadline)
    }
}

/**
 * The field violations of an InvalidArgument answer (google.rpc.BadRequest in the status
 * details): each names the request field (proto name, e.g. `identity_verification_risk_threshold`)
 * and says what is wrong with it. Empty for any other error.
 */
fun Throwable.fieldViolations(): List<BadRequest.FieldViolation> {
    val status = StatusProto.fromThrowable(this) ?: return emptyList()
    if (status.code != Status.Code.INVALID_ARGUMENT.value()) return emptyList()
    return status.detailsList
        .filter { it.`is`(BadRequest::class.java) }
        .flatMap { it.unpack(BadRequest::class.java).fieldViolationsList }
}
