package dev.idgate.client

import idgate.v1.RiskServiceGrpcKt
import idgate.v1.Risk.GetSubaccountRequest
import idgate.v1.Risk.Subaccount
import idgate.v1.getSubaccountRequest
import idgate.v1.subaccount
import io.grpc.Context
import io.grpc.Metadata
import io.grpc.ServerCall
import io.grpc.ServerCallHandler
import io.grpc.ServerInterceptor
import io.grpc.ServerInterceptors
import io.grpc.Status
import io.grpc.StatusException
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.net.InetSocketAddress
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/** A RiskService on loopback that answers Unavailable to its first [failures] calls. */
private class FlakyRisk(private val failures: Int) : RiskServiceGrpcKt.RiskServiceCoroutineImplBase() {
    val calls = AtomicInteger()
    val authorization = CopyOnWriteArrayList<String>()
    val deadlineMillis = CopyOnWriteArrayList<Long>()

    override suspend fun getSubaccount(request: GetSubaccountRequest): Subaccount {
        if (calls.incrementAndGet() <= failures) throw StatusException(Status.UNAVAILABLE.withDescription("database unreachable"))
        return subaccount { id = request.id }
    }

    /** Records what each attempt carried: its key and the time left to its deadline. */
    val recorder = object : ServerInterceptor {
        override fun <Q, A> interceptCall(call: ServerCall<Q, A>, headers: Metadata, next: ServerCallHandler<Q, A>): ServerCall.Listener<Q> {
            authorization += headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)).orEmpty()
            Context.current().deadline?.let { deadlineMillis += it.timeRemaining(TimeUnit.MILLISECONDS) }
            return next.startCall(call, headers)
        }
    }
}

class RetryTest {
    private fun <T> withServer(risk: FlakyRisk, body: (String) -> T): T {
        val server = NettyServerBuilder.forAddress(InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(risk.bindService(), risk.recorder))
            .build().start()
        try {
            return body("127.0.0.1:${server.port}")
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
        }
    }

    @Test
    fun `Unavailable is retried with the key on every attempt, within the default deadline`() {
        val risk = FlakyRisk(failures = 2)
        withServer(risk) { target ->
            IdgateClient(target, "idg_test_k", plaintext = true, deadline = 3.seconds).use { client ->
                val sub = runBlocking { client.risk.getSubaccount(getSubaccountRequest { id = "sub_1" }) }
                assertEquals("sub_1", sub.id)
            }
        }
        assertEquals(3, risk.calls.get(), "two Unavailable answers, then success")
        assertEquals(List(3) { "Bearer idg_test_k" }, risk.authorization.toList())
        assertEquals(3, risk.deadlineMillis.size, "every attempt has a deadline")
        assertTrue(risk.deadlineMillis.all { it in 1..3000 }, "deadlines ${risk.deadlineMillis}")
    }

    @Test
    fun `it gives up after four attempts`() {
        val risk = FlakyRisk(failures = 100)
        withServer(risk) { target ->
            IdgateClient(target, "idg_test_k", plaintext = true).use { client ->
                val e = assertThrows<StatusException> { runBlocking { client.risk.getSubaccount(getSubaccountRequest { id = "sub_1" }) } }
                assertEquals(Status.Code.UNAVAILABLE, e.status.code)
            }
        }
        assertEquals(4, risk.calls.get())
    }
}
