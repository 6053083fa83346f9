package dev.idgate.client

import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.TimeUnit

/**
 * IdgateServer is one real bin/idgate on a fresh SQLite file, with its own stripe-mock, both
 * on free loopback ports: the world a Kotlin backend talks to. Logs go to target/.
 */
class IdgateServer : AutoCloseable {
    private val root: Path = Path.of(System.getProperty("idgate.root", "../..")).toAbsolutePath().normalize()
    private val dir: Path = Files.createTempDirectory("idgate-kotlin-")
    private val logs: Path = Path.of("target").toAbsolutePath()
    private val http = HttpClient.newHttpClient()
    private val processes = mutableListOf<Process>()

    val adminKey = "idg_test_kotlin_client_" + UUID.randomUUID().toString().replace("-", "")
    val grpcTarget: String

    init {
        for (bin in listOf("bin/idgate", "bin/stripe-mock")) {
            check(Files.isExecutable(root.resolve(bin))) { "$bin is missing: run `make build tools` at the repository root" }
        }
        grpcTarget = launchRetrying()
    }

    /**
     * A port freePort found free can be taken before the child binds it (another suite on the
     * machine): when a child exits while starting, start both again on fresh ports and a fresh
     * database rather than fail the suite.
     */
    private fun launchRetrying(): String {
        for (attempt in 1..3) {
            try {
                return launch(attempt)
            } catch (e: ProcessExited) {
                stopAll()
                if (attempt == 3) { close(); throw e }
            } catch (e: Throwable) {
                close()
                throw e
            }
        }
        error("unreachable")
    }

    /** Starts stripe-mock and idgate on fresh loopback ports; returns idgate's gRPC target. */
    private fun launch(attempt: Int): String {
        val (mockHTTP, mockHTTPS, httpPort, grpcPort) = List(4) { freePort() }
        start("stripe-mock", listOf(root.resolve("bin/stripe-mock").toString(), "-http-addr", "127.0.0.1:$mockHTTP", "-https-addr", "127.0.0.1:$mockHTTPS"), emptyMap())
        // idgate must not make its first Stripe call before stripe-mock listens.
        awaitOK("stripe-mock", "http://127.0.0.1:$mockHTTP/v1/balance", "Bearer sk_test_123")
        start(
            "idgate", listOf(root.resolve("bin/idgate").toString()),
            mapOf(
                "DATABASE_URL" to "sqlite:" + dir.resolve("idgate-$attempt.db"),
                "IDGATE_DATA_KEY_FILE" to dir.resolve("data.key").toString(),
                "IDGATE_HTTP_ADDR" to "127.0.0.1:$httpPort",
                "IDGATE_GRPC_ADDR" to "127.0.0.1:$grpcPort",
                "STRIPE_API_BASE" to "http://127.0.0.1:$mockHTTP",
                "STRIPE_WEBHOOK_SECRET" to "whsec_kotlin_client_test",
                "IDGATE_BOOTSTRAP_API_KEY" to adminKey,
                "IDGATE_JOB_POLL_INTERVAL" to "50ms",
                "IDGATE_JOB_RETRY_BASE" to "100ms",
                "IDGATE_LOG_FORMAT" to "json",
            ),
        )
        awaitOK("idgate", "http://127.0.0.1:$httpPort/readyz", null)
        return "127.0.0.1:$grpcPort"
    }

    private fun start(name: String, command: List<String>, env: Map<String, String>) {
        val log = logs.resolve("$name.log").toFile()
        val pb = ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).redirectOutput(log)
        pb.environment().apply { clear(); put("PATH", System.getenv("PATH") ?: "/usr/bin:/bin"); putAll(env) }
        processes += pb.start()
    }

    /** Waits, bounded, until url answers 200; fails at once if a process has exited. */
    private fun awaitOK(name: String, url: String, authorization: String?) {
        val request = HttpRequest.newBuilder(URI.create(url)).apply { authorization?.let { header("Authorization", it) } }.build()
        val until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        while (System.nanoTime() < until) {
            processes.firstOrNull { !it.isAlive }?.let { throw ProcessExited("$name: a process exited with ${it.exitValue()}; see target/*.log") }
            val ok = runCatching { http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200 }.getOrDefault(false)
            if (ok) return
            Thread.sleep(50)
        }
        error("$name did not answer 200 at $url within 30 s; see target/$name.log")
    }

    private fun stopAll() {
        processes.reversed().forEach { p ->
            p.destroy()
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly()
        }
        processes.clear()
    }

    override fun close() {
        stopAll()
        dir.toFile().deleteRecursively()
    }

    private class ProcessExited(message: String) : IllegalStateException(message)

    private companion object {
        fun freePort(): Int = ServerSocket(0).use { it.localPort }
    }
}
