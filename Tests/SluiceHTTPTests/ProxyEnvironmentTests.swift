import Foundation
import SluiceHTTP
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Proxy variables are process-wide, so these checks run in a child process (an exit test)
/// where changing the environment cannot disturb tests running in parallel.
@Suite("Proxy environment")
struct ProxyEnvironmentTests {
    @Test("libcurl uses http_proxy, skips it for NO_PROXY hosts, ignores upper-case HTTP_PROXY")
    func proxyEnvironment() async {
        await #expect(processExitsWith: .success) {
            try await ProxyProbe.run()
        }
    }
}

/// The child-process side of the proxy test; exits with a distinct code per failed check.
enum ProxyProbe {
    static func run() async throws {
        for name in [
            "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
            "no_proxy", "NO_PROXY",
        ] {
            unsetenv(name)
        }
        try await withTestServer(.http) { server in
            let viaLocalhost = "http://localhost:\(server.port)/hello"
            let viaLoopback = "\(server.baseURL)/hello"

            // Upper-case HTTP_PROXY is ignored for http:// (libcurl's guard against CGI header injection).
            setenv("HTTP_PROXY", "http://127.0.0.1:1", 1)
            guard (try? await HTTPClient().execute(HTTPRequest(url: viaLocalhost)))?.status == 200 else { exit(2) }

            // A bogus http_proxy breaks hosts outside NO_PROXY ...
            setenv("http_proxy", "http://127.0.0.1:1", 1)
            setenv("NO_PROXY", "127.0.0.1", 1)
            do throws(HTTPError) {
                _ = try await HTTPClient().execute(HTTPRequest(url: viaLocalhost))
                exit(3)
            } catch {
                // ... and the failure is the proxy's port, not the server's.
                guard error.code == .connect, error.message.contains("port 1 ") || error.message.hasSuffix("port 1")
                else { exit(4) }
            }
            // ... while NO_PROXY hosts are reached directly.
            guard (try? await HTTPClient().execute(HTTPRequest(url: viaLoopback)))?.status == 200 else { exit(5) }
        }
    }
}
