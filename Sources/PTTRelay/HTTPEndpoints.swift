import Hummingbird
import PTTProtocol

/// Plain HTTP next to the WebSocket rooms: `/healthz`, `/rooms` (JSON), `/metrics` (Prometheus).
enum HTTPEndpoints {
    static func add(to router: Router<BasicRequestContext>, hub: Hub) {
        router.get("healthz") { _, _ in
            text("ok\n", type: "text/plain; charset=utf-8")
        }
        router.get("rooms") { _, _ in
            text(RoomListing.json(hub.listings()) + "\n", type: "application/json")
        }
        router.get("metrics") { _, _ in
            text(hub.metrics().prometheusText, type: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
