import Hummingbird
import PTTRelayCore
import PTTSystem

/// `GET /stats` (speaking statistics as JSON) and `GET /` (the dashboard page that shows
/// them). With `--stats-token`, both need the token, as `Authorization: Bearer` or `?token=`
/// (the page passes its own `?token=` on to `/stats`); unlisted rooms are shown only then.
enum StatsEndpoints {
    static func add(to router: Router<BasicRequestContext>, hub: Hub) {
        router.get("stats") { request, _ in
            guard authorized(request, hub: hub) else { return unauthorized() }
            let all = hub.settings.statsToken != nil
            let now = MonotonicClock.now(), wall = wallNanos() / 1_000_000
            var body = hub.stats.withLock { $0.json(now: now, wallMillis: wall, include: { all || !$0.hasPrefix("_") }) }
            // In a cluster: every relay's members, as their relays last reported them.
            if let others = hub.clusterStatsReports() {
                body = SpeakingStats.mergedJSON([body] + others, include: { all || !$0.hasPrefix("_") })
            }
            return HTTPEndpoints.text(body + "\n", type: "application/json")
        }
        router.get("/") { request, _ in
            guard authorized(request, hub: hub) else { return unauthorized() }
            let all = hub.settings.statsToken != nil
            let now = MonotonicClock.now()
            let (rooms, window) = hub.stats.withLock { ($0.report(now: now, include: { all || !$0.hasPrefix("_") }), $0.timelineWindow) }
            var response = HTTPEndpoints.text(DashboardPage.html(rooms: rooms, now: now, window: window), type: "text/html; charset=utf-8")
            response.headers[.contentSecurityPolicy] = DashboardPage.policy
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    static func authorized(_ request: Request, hub: Hub) -> Bool {
        authorized(authorization: request.headers[.authorization], query: request.uri.queryParameters["token"].map(String.init),
                   token: hub.settings.statsToken)
    }

    /// Whether a request may see the statistics: no token set, or the token presented as
    /// `Authorization: Bearer` (read as for the WebSocket upgrade) or as `?token=`.
    static func authorized(authorization: String?, query: String?, token: String?) -> Bool {
        guard let token else { return true }
        let presented = [UpgradeCheck.bearerToken(authorization), query].compactMap { $0 }
        return presented.contains { ConstantTime.matchesAny($0, [token]) }
    }

    static func unauthorized() -> Response {
        var r = HTTPEndpoints.text("a stats token is required\n", type: "text/plain; charset=utf-8")
        r.status = .unauthorized
        r.headers[.wwwAuthenticate] = "Bearer"
        return r
    }
}
