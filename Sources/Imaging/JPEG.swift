import CTurboJPEG
import Foundation

/// JPEG through TurboJPEG (libjpeg-turbo 2.x API): gray or RGB, with the EXIF orientation applied
/// on read as Pillow's ImageOps.exif_transpose does.
enum JPEGCodec {
    static func lastError(_ handle: tjhandle?) -> String { String(cString: tjGetErrorStr2(handle)) }

    static func decode(_ data: Data, path: String) throws -> Image {
        guard let handle = tjInitDecompress() else { throw ImageError(path, "cannot initialise the JPEG decoder") }
        defer { tjDestroy(handle) }
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        let bytes = [UInt8](data)
        let headerOK = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &w, &h, &subsamp, &colorspace)
        }
        guard headerOK == 0 else { throw ImageError(path, "corrupt JPEG header: \(lastError(handle))") }
        guard w > 0, h > 0 else { throw ImageError(path, "corrupt or truncated JPEG: no frame header") }
        try ImageIO.checkDeclaredSize(Int(w), Int(h), path)
        guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
            throw ImageError(path, "CMYK JPEG is not supported; convert it to RGB first")
        }
        let gray = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = gray ? 1 : 3
        var buf = [UInt8](repeating: 0, count: Int(w) * Int(h) * channels)
        let status = bytes.withUnsafeBufferPointer { src in
            buf.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(bytes.count), dst.baseAddress, w, 0, h,
                              gray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue), 0)
            }
        }
        // A warning (e.g. premature end of data) still leaves garbage rows: treat as corrupt.
        guard status == 0 else { throw ImageError(path, "corrupt or truncated JPEG: \(lastError(handle))") }
        let image = Image(width: Int(w), height: Int(h), channels: channels, pixels: buf.map { Float($0) / 255 })
        return image.oriented(exifOrientation(bytes))
    }

    static func encode(_ image: Image, quality: Int, path: String) throws -> Data {
        guard image.channels == 1 || image.channels == 3 else {
            throw ImageError(path, "JPEG holds gray or RGB, not \(image.channels) channels (composite alpha first)")
        }
        guard let handle = tjInitCompress() else { throw ImageError(path, "cannot initialise the JPEG encoder") }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let px = image.bytes8()
        let status = px.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height),
                        image.channels == 1 ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue), &out, &size,
                        image.channels == 1 ? Int32(TJSAMP_GRAY.rawValue) : Int32(TJSAMP_444.rawValue),
                        Int32(quality), 0)
        }
        defer { tjFree(out) }
        guard status == 0, let out else { throw ImageError(path, "JPEG encoding failed: \(lastError(handle))") }
        return Data(bytes: out, count: Int(size))
    }

    /// The EXIF orientation tag (0x0112) of a JPEG's APP1 segment, 1 when absent or unreadable.
    static func exifOrientation(_ b: [UInt8]) -> Int {
        var i = 2
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan: no more metadata
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { break }
            let seg = i + 4
            if marker == 0xE1, length >= 14, Array(b[seg..<(seg + 6)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return orientation(inTIFF: Array(b[(seg + 6)..<(i + 2 + length)])) ?? 1
            }
            i += 2 + length
        }
        return 1
    }

    private static func orientation(inTIFF t: [UInt8]) -> Int? {
        guard t.count >= 8 else { return nil }
        let little = t[0] == 0x49 && t[1] == 0x49
        guard little || (t[0] == 0x4D && t[1] == 0x4D) else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for e in 0..<entries {
            let o = ifd + 2 + 12 * e
            guard let tag = u16(o) else { return nil }
            if tag == 0x0112, let v = u16(o + 8), (1...8).contains(v) { return v }
        }
        return nil
    }
}

extension Image {
    /// Applies an EXIF orientation (1-8) so the result is upright.
    public func oriented(_ orientation: Int) -> Image {
        if orientation <= 1 || orientation > 8 { return self }
        let swaps = orientation >= 5
        let (ow, oh) = swaps ? (height, width) : (width, height)
        var out = Image(width: ow, height: oh, channels: channels)
        out.bitDepth = bitDepth
        for y in 0..<oh {
            for x in 0..<ow {
                // Source pixel for output (x, y), per orientation (Pillow's exif_transpose).
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (width - 1 - x, y)                  // mirror horizontal
                case 3: (sx, sy) = (width - 1 - x, height - 1 - y)     // rotate 180
                case 4: (sx, sy) = (x, height - 1 - y)                 // mirror vertical
                case 5: (sx, sy) = (y, x)                              // transpose
                case 6: (sx, sy) = (y, height - 1 - x)                 // rotate 90 clockwise
                case 7: (sx, sy) = (width - 1 - y, height - 1 - x)     // transverse
                default: (sx, sy) = (width - 1 - y, x)                 // 8: rotate 90 counter-clockwise
                }
                for c in 0..<channels { out[x, y, c] = self[sx, sy, c] }
            }
        }
        return out
    }
}
