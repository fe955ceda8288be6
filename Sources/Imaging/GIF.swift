import Foundation
import Tensor

/// Animated GIF89a writer (for turntables): one global 252-colour palette (a 6 x 7 x 6 RGB cube,
/// nearest colour per pixel), LZW-compressed frames, looping forever.
public enum GIFWriter {
    static let levels = (r: 6, g: 7, b: 6)

    static var palette: [UInt8] {
        var p = [UInt8]()
        for r in 0..<levels.r { for g in 0..<levels.g { for b in 0..<levels.b {
            p += [UInt8(r * 255 / (levels.r - 1)), UInt8(g * 255 / (levels.g - 1)), UInt8(b * 255 / (levels.b - 1))]
        } } }
        return p + [UInt8](repeating: 0, count: 3 * (256 - levels.r * levels.g * levels.b))
    }

    static func index(_ image: Image) -> [UInt8] {
        let rgb = image.compositedRGB()
        return (0..<(rgb.width * rgb.height)).map { i -> UInt8 in
            func level(_ v: Float, _ n: Int) -> Int { Int((min(max(v, 0), 1) * Float(n - 1)).rounded()) }
            let r = level(rgb.pixels[3 * i], levels.r), g = level(rgb.pixels[3 * i + 1], levels.g), b = level(rgb.pixels[3 * i + 2], levels.b)
            return UInt8((r * levels.g + g) * levels.b + b)
        }
    }

    /// GIF's variable-width LZW on 8-bit indices (minimum code size 8), packed LSB first.
    static func lzw(_ indices: [UInt8]) -> [UInt8] {
        let clear = 256, end = 257
        var out = [UInt8](), buffer = 0, bits = 0, width = 9, next = 258
        var table = [Int: Int]()  // (prefix code << 8 | byte) -> code
        func emit(_ code: Int) {
            buffer |= code << bits
            bits += width
            while bits >= 8 { out.append(UInt8(buffer & 0xFF)); buffer >>= 8; bits -= 8 }
        }
        emit(clear)
        var prefix = -1
        for byte in indices.map(Int.init) {
            if prefix < 0 { prefix = byte; continue }
            let key = prefix << 8 | byte
            if let code = table[key] { prefix = code; continue }
            emit(prefix)
            if next < 4096 {
                table[key] = next
                next += 1
                if next > (1 << width) && width < 12 { width += 1 }
            } else {
                emit(clear)
                table.removeAll(keepingCapacity: true)
                (next, width) = (258, 9)
            }
            prefix = byte
        }
        if prefix >= 0 { emit(prefix) }
        emit(end)
        if bits > 0 { out.append(UInt8(buffer & 0xFF)) }
        return out
    }

    public static func encode(_ frames: [Image], delayCentiseconds: Int = 4) -> Data {
        precondition(!frames.isEmpty, "a GIF needs frames")
        let (w, h) = (frames[0].width, frames[0].height)
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        var d = [UInt8]("GIF89a".utf8) + u16(w) + u16(h) + [0xF7, 0, 0] + palette
        d += [0x21, 0xFF, 11] + [UInt8]("NETSCAPE2.0".utf8) + [3, 1, 0, 0, 0]  // loop forever
        for frame in frames {
            precondition(frame.width == w && frame.height == h, "GIF frames must share one size")
            d += [0x21, 0xF9, 4, 0] + u16(delayCentiseconds) + [0, 0]
            d += [0x2C] + u16(0) + u16(0) + u16(w) + u16(h) + [0, 8]
            let data = lzw(index(frame))
            for start in stride(from: 0, to: data.count, by: 255) {
                let chunk = data[start..<min(start + 255, data.count)]
                d.append(UInt8(chunk.count))
                d += chunk
            }
            d.append(0)
        }
        d.append(0x3B)
        return Data(d)
    }

    public static func write(_ frames: [Image], to path: String, delayCentiseconds: Int = 4) throws {
        do { try AtomicFile.write(encode(frames, delayCentiseconds: delayCentiseconds), to: path) } catch {
            throw ImageError(path, "cannot write: \(error)")
        }
    }
}
