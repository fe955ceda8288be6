import CommandSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server for one page, bound to 127.0.0.1 only: GET / (or /index.html) returns
/// the page, anything else 404; one connection at a time, closed after each response.
struct LocalPageServer {
    let socket: Int32, page: Data

    init(port: UInt16, page: Data) throws {
        self.page = page
        signal(SIGPIPE, SIG_IGN)  // a browser that hangs up mid-response must not end the server
        #if canImport(Glibc)
        let s = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw CommandFailure("cannot open a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(s, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(s)
            throw CommandFailure("127.0.0.1:\(port): cannot listen: \(reason)")
        }
        socket = s
    }

    /// Serves until the process is interrupted.
    func run() {
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue }
            respond(to: client)
            close(client)
        }
    }

    func respond(to client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = read(client, &buffer, buffer.count)
        guard n > 0 else { return }
        let requestLine = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let found = parts.count >= 2 && parts[0] == "GET" && ["/", "/index.html"].contains(parts[1].split(separator: "?").first ?? "")
        let body = found ? page : Data("not found\n".utf8)
        let header = "HTTP/1.1 \(found ? "200 OK" : "404 Not Found")\r\nContent-Type: \(found ? "text/html; charset=utf-8" : "text/plain")\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        for chunk in [Data(header.utf8), body] {
            chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(client, raw.baseAddress! + offset, raw.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
