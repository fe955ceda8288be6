import CZlib
import Foundation

/// A problem with a gzip stream, as zlib reports it.
public struct GzipError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// gzip (RFC 1952) through the system zlib.
public enum Gzip {
    /// The gzip stream of `bytes` (zlib's default level).
    public static func compress(_ bytes: Data) throws -> Data {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deallocate() }
        guard orbit_deflate_init_gzip(stream, Z_DEFAULT_COMPRESSION) == Z_OK else { throw GzipError("deflateInit2 failed") }
        var input = [UInt8](bytes)
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            stream.pointee.next_in = inBuffer.baseAddress
            stream.pointee.avail_in = uInt(inBuffer.count)
            var status = Z_OK
            while status == Z_OK {
                status = chunk.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let status = deflate(stream, Z_FINISH)
                    output.append(out.baseAddress!, count: out.count - Int(stream.pointee.avail_out))
                    return status
                }
            }
            return status
        }
        guard status == Z_STREAM_END else { throw GzipError("deflate failed (zlib status \(status))") }
        return output
    }
}

/// Reads a gzip stream a piece at a time, so a reader can look at a header before deciding how much
/// more it will accept (nothing is inflated beyond what is asked for).
public final class GzipReader {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var ended = false

    public init(_ data: Data) throws {
        guard data.count < Int(UInt32.max) else { throw GzipError("larger than 4 GiB") }
        input = .allocate(capacity: max(data.count, 1))
        _ = input.initialize(from: data)
        stream.initialize(to: z_stream())
        stream.pointee.next_in = input.baseAddress
        stream.pointee.avail_in = uInt(data.count)
        guard orbit_inflate_init_gzip(stream) == Z_OK else {
            input.deallocate()
            stream.deallocate()
            throw GzipError("inflateInit2 failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// How much `read` inflates at a time: memory grows with what the stream holds, not with what a
    /// header claims (a 40-byte .spz claiming 10 million points allocated 640 MB up front before).
    static let chunkSize = 1 << 20

    /// Up to `count` more inflated bytes; fewer only where the stream ends (or its input runs out,
    /// which `atEnd` then reports as truncation).
    public func read(_ count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(count, Self.chunkSize))
        while out.count < count && !ended {
            let wanted = min(chunk.count, count - out.count)
            let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                stream.pointee.next_out = buffer.baseAddress!
                stream.pointee.avail_out = uInt(wanted)
                let status = inflate(stream, Z_NO_FLUSH)
                out.append(contentsOf: buffer.prefix(wanted - Int(stream.pointee.avail_out)))
                return status
            }
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: ended = true
            case Z_BUF_ERROR where stream.pointee.avail_in == 0: throw GzipError("truncated (the gzip stream ends early)")
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw GzipError("not a valid gzip stream (\(message))")
            }
        }
        return out
    }

    /// Whether the stream has ended: true after its trailer was read, false when more data follows.
    public func atEnd() throws -> Bool { try read(1).isEmpty }
}
