package dev.idgate.client

import idgate.v1.checkAccessRequest
import idgate.v1.createCustomerRequest
import idgate.v1.createSubaccountRequest
import idgate.v1.createVerificationSessionRequest
import idgate.v1.recordPaymentRiskRequest
import idgate.v1.simulateVerificationOutcomeRequest
import idgate.v1.updateSubaccountRequest
import io.grpc.Status
import io.grpc.StatusException
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdgateClientTest {
    private lateinit var server: IdgateServer
    private lateinit var client: IdgateClient

    @BeforeAll
    fun start() {
        server = IdgateServer()
        client = IdgateClient(server.grpcTarget, server.adminKey, plaintext = true)
    }

    @AfterAll
    fun stop() {
        if (::client.isInitialized) client.close()
        if (::server.isInitialized) server.close()
    }

    @Test
    fun `a highest-risk charge gates the rider until a verified session lets them ride`() = runBlocking {
        val sub = client.risk.createSubaccount(createSubaccountRequest {
            name = "Kotlin Rides"
            identityVerificationMode = "risk_based"
            identityVerificationRiskThreshold = 50
        })
        val customer = client.identity.createCustomer(createCustomerRequest {
            subaccountId = sub.id
            externalId = "rider-42"
        })
        client.risk.recordPaymentRisk(recordPaymentRiskRequest {
            customerId = customer.id
            chargeId = "ch_kotlin_1"
            riskLevel = "highest"
        })
        val ride = checkAccessRequest {
            customerId = customer.id
            action = "ride_start"
        }

        val denied = client.identity.checkAccess(ride)
        assertFalse(denied.allowed, "a rider flagged at risk 75 >= 50 may not start a ride")
        assertEquals("start_verification", denied.requiredAction)

        val session = client.identity.createVerificationSession(createVerificationSessionRequest { customerId = customer.id })
        assertTrue(session.sessionId.startsWith("vs_"), "session id ${session.sessionId}")
        client.identity.simulateVerificationOutcome(simulateVerificationOutcomeRequest {
            sessionId = session.sessionId
            outcome = "verified"
        })

        // The outcome arrives as a Stripe webhook processed by a job: wait for it, bounded.
        val allowed = withTimeout(30.seconds) {
            var answer = client.identity.checkAccess(ride)
            while (!answer.allowed) {
                delay(100.milliseconds)
                answer = client.identity.checkAccess(ride)
            }
            answer
        }
        assertEquals("none", allowed.requiredAction)
        assertEquals("verified", allowed.identityStatus)
    }

    @Test
    fun `a bad request names the field in a BadRequest field violation`() = runBlocking {
        val sub = client.risk.createSubaccount(createSubaccountRequest { name = "Kotlin Threshold" })
        val e = assertThrows<StatusException> {
            runBlocking {
                client.risk.updateSubaccount(updateSubaccountRequest {
                    id = sub.id
                    identityVerificationRiskThreshold = 150
                })
            }
        }
        assertEquals(Status.Code.INVALID_ARGUMENT, e.status.code)
        val fields = e.fieldViolations().map { it.field }
        assertEquals(listOf("identity_verification_risk_threshold"), fields, e.fieldViolations().toString())
    }

    @Test
    fun `a wrong API key is Unauthenticated`() = runBlocking {
        IdgateClient(server.grpcTarget, "idg_test_not_a_key", plaintext = true).use { stranger ->
            val e = assertThrows<StatusException> { runBlocking { stranger.risk.createSubaccount(createSubaccountRequest { name = "x" }) } }
            assertEquals(Status.Code.UNAUTHENTICATED, e.status.code)
        }
    }

    @Test
    fun `plaintext is refused for a non-loopback address`() {
        val e = assertThrows<IllegalArgumentException> { IdgateClient("idgate.example.com:50051", "idg_test_x", plaintext = true) }
        assertTrue("loopback" in e.message.orEmpty(), e.message)
        IdgateClient("[::1]:50051", "idg_test_x", plaintext = true).close()
        IdgateClient("localhost:50051", "idg_test_x", plaintext = true).close()
    }
}
