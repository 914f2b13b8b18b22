import Hummingbird
import PTTProtocol
import PTTRelayCore

/// Plain HTTP next to the WebSocket rooms: `/healthz`, `/rooms` (JSON), `/metrics` (Prometheus).
///
/// On a relay with tokens (`--token`, `--token-file`), `/rooms` and `/metrics` need one of
/// them, or the stats token, as `Authorization: Bearer` or `?token=`, as `/stats` reads it:
/// a relay closed to strangers does not tell them its rooms or its traffic. `/healthz` stays open.
enum HTTPEndpoints {
    static func add(to router: Router<BasicRequestContext>, hub: Hub) {
        router.get("healthz") { _, _ in
            text("ok\n", type: "text/plain; charset=utf-8")
        }
        router.get("rooms") { request, _ in
            guard authorized(request, hub: hub) else { return unauthorized() }
            return text(RoomListing.json(hub.listings()) + "\n", type: "application/json")
        }
        router.get("metrics") { request, _ in
            guard authorized(request, hub: hub) else { return unauthorized() }
            return text(hub.metrics().prometheusText, type: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    static func authorized(_ request: Request, hub: Hub) -> Bool {
        authorized(authorization: request.headers[.authorization], query: request.uri.queryParameters["token"].map(String.init),
                   tokens: hub.settings.tokens, statsToken: hub.settings.statsToken)
    }

    /// Whether a request may see the rooms and metrics: the relay has no tokens, or one of
    /// them (or the stats token) is presented as `Authorization: Bearer` or as `?token=`.
    static func authorized(authorization: String?, query: String?, tokens: [String], statsToken: String?) -> Bool {
        guard !tokens.isEmpty else { return true }
        let accepted = tokens + (statsToken.map { [$0] } ?? [])
        let presented = [UpgradeCheck.bearerToken(authorization), query].compactMap { $0 }
        return presented.contains { ConstantTime.matchesAny($0, accepted) }
    }

    static func unauthorized() -> Response {
        var r = text("a token is required\n", type: "text/plain; charset=utf-8")
        r.status = .unauthorized
        r.headers[.wwwAuthenticate] = "Bearer"
        return r
    }

    static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
