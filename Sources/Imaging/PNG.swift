import CPNG
import Foundation

/// PNG through libpng's simplified `png_image` API: 8- and 16-bit gray, gray+alpha, RGB, RGBA
/// (palette images expand to RGB(A)). 16-bit data is read and written as linear samples, as the
/// simplified API defines it; its alpha convention (premultiplied for 16-bit) is undone here.
enum PNGCodec {
    static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    static func decode(_ data: Data, path: String) throws -> Image {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let ok = data.withUnsafeBytes { png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }
        guard ok != 0 else { throw ImageError(path, "corrupt PNG: \(message(img))") }
        defer { png_image_free(&img) }
        let (w, h) = (Int(img.width), Int(img.height))
        try ImageIO.checkDeclaredSize(w, h, path)
        let fileFormat = img.format
        let sixteen = fileFormat & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        let color = fileFormat & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let alpha = fileFormat & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        img.format = (color ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (alpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
            | (sixteen ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        let channels = (color ? 3 : 1) + (alpha ? 1 : 0)
        let n = w * h * channels
        var pixels = [Float](repeating: 0, count: n)
        if sixteen {
            var buf = [UInt16](repeating: 0, count: n)
            let done = buf.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) }
            guard done != 0 else { throw ImageError(path, "corrupt or truncated PNG: \(message(img))") }
            for i in 0..<n { pixels[i] = Float(buf[i]) / 65535 }
            if alpha { unpremultiply(&pixels, channels: channels) }
        } else {
            var buf = [UInt8](repeating: 0, count: n)
            let done = buf.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) }
            guard done != 0 else { throw ImageError(path, "corrupt or truncated PNG: \(message(img))") }
            for i in 0..<n { pixels[i] = Float(buf[i]) / 255 }
        }
        return Image(width: w, height: h, channels: channels, pixels: pixels, bitDepth: sixteen ? 16 : 8)
    }

    static func encode(_ image: Image, path: String) throws -> Data {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width)
        img.height = UInt32(image.height)
        let alpha = image.channels == 2 || image.channels == 4
        let sixteen = image.bitDepth == 16
        img.format = (image.channels >= 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (alpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
            | (sixteen ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        try ImageIO.checkSize(image.width, image.height, path)
        // One encoding pass into a buffer the size of the raw pixels plus headroom (PNG barely
        // grows incompressible data); libpng reports the size it needs when that is not enough.
        func write(_ buffer: UnsafeRawPointer) throws -> Data {
            var size = image.width * image.height * image.channels * (sixteen ? 2 : 1) * 11 / 10 + image.height * 8 + 4096
            var out = Data(count: size)
            var ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, buffer, 0, nil) }
            if ok == 0 && size > out.count {
                img.warning_or_error = 0
                out = Data(count: size)
                ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, buffer, 0, nil) }
            }
            guard ok != 0 else { throw ImageError(path, "PNG encoding failed: \(message(img))") }
            return out.prefix(size)
        }
        if sixteen {
            var px = image.pixels
            if alpha { premultiply(&px, channels: image.channels) }
            let words = px.map { UInt16((min(max($0, 0), 1) * 65535).rounded()) }
            return try words.withUnsafeBytes { try write($0.baseAddress!) }
        }
        return try image.bytes8().withUnsafeBytes { try write($0.baseAddress!) }
    }

    private static func unpremultiply(_ px: inout [Float], channels: Int) {
        for p in stride(from: 0, to: px.count, by: channels) {
            let a = px[p + channels - 1]
            for c in 0..<(channels - 1) { px[p + c] = a > 0 ? min(1, px[p + c] / a) : 0 }
        }
    }

    private static func premultiply(_ px: inout [Float], channels: Int) {
        for p in stride(from: 0, to: px.count, by: channels) {
            let a = px[p + channels - 1]
            for c in 0..<(channels - 1) { px[p + c] *= a }
        }
    }
}
