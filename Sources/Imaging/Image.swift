import Foundation
import Tensor

/// An image in memory: `channels` interleaved float samples per pixel in [0, 1], row-major
/// (HWC). Gray = 1, gray+alpha = 2, RGB = 3, RGBA = 4 channels.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [Float]
    /// Bits per sample of the file it came from (8 or 16); what `writePNG` uses by default.
    public var bitDepth: Int

    public init(width: Int, height: Int, channels: Int, pixels: [Float], bitDepth: Int = 8) {
        precondition(pixels.count == width * height * channels, "pixel count does not match \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.bitDepth = bitDepth
    }

    public init(width: Int, height: Int, channels: Int, filling value: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: value, count: width * height * channels))
    }

    public subscript(x: Int, y: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// [C, H, W] tensor.
    public func tensor() -> Tensor {
        Tensor(pixels, shape: [height, width, channels]).permuted([2, 0, 1]).contiguous().detached()
    }

    /// From a [C, H, W] tensor (values clamped to [0, 1]).
    public init(tensor t: Tensor, bitDepth: Int = 8) {
        precondition(t.rank == 3, "Image(tensor:) expects [C, H, W], got \(t.shape)")
        let hwc = t.detached().permuted([1, 2, 0]).toArray().map { min(max($0, 0), 1) }
        self.init(width: t.shape[2], height: t.shape[1], channels: t.shape[0], pixels: hwc, bitDepth: bitDepth)
    }

    /// Samples quantised to 8 bits (round to nearest).
    public func bytes8() -> [UInt8] { pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) } }
    /// Samples quantised to 16 bits.
    public func words16() -> [UInt16] { pixels.map { UInt16((min(max($0, 0), 1) * 65535).rounded()) } }

    /// RGB with alpha composited over `background` (RGB in [0, 1]); gray expands to RGB.
    public func compositedRGB(background: (Float, Float, Float) = (1, 1, 1)) -> Image {
        var out = Image(width: width, height: height, channels: 3)
        let bg = [background.0, background.1, background.2]
        for i in 0..<(width * height) {
            let p = i * channels
            let hasAlpha = channels == 2 || channels == 4
            let a = hasAlpha ? pixels[p + channels - 1] : 1
            for c in 0..<3 {
                let v = channels >= 3 ? pixels[p + c] : pixels[p]
                out.pixels[i * 3 + c] = v * a + bg[c] * (1 - a)
            }
        }
        return out
    }
}

/// A reader or writer failure, naming the file and the problem.
public struct ImageError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "\(path): \(problem)" }
}

public enum ImageIO {
    /// Largest side written.
    public static let maxSide = 16384

    static func checkSize(_ width: Int, _ height: Int, _ path: String) throws {
        guard width > 0, height > 0 else { throw ImageError(path, "image has zero size (\(width)x\(height))") }
        guard width <= maxSide, height <= maxSide else {
            throw ImageError(path, "image size \(width)x\(height) exceeds the \(maxSide)-pixel limit per side")
        }
    }

    /// The size a PNG or JPEG header declares, checked before decoding against decompression bombs (a
    /// 261 KB all-zero 16384x16384 PNG decoded to 4.4 GB): at most `InputLimit.imagePixels` pixels
    /// (ORBIT_MAX_IMAGE_PIXELS, 64 megapixels by default).
    static func checkDeclaredSize(_ width: Int, _ height: Int, _ path: String) throws {
        guard width > 0, height > 0 else { throw ImageError(path, "image has zero size (\(width)x\(height))") }
        try InputLimit.imagePixels.check(width * height, claimed: "image size \(width)x\(height) (\(width * height) pixels)", path: path)
    }

    /// Reads a PNG or JPEG, chosen by the file's signature (not its name).
    public static func read(_ path: String) throws -> Image {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError(path, FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String = "<memory>") throws -> Image {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try PNGCodec.decode(data, path: path) }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return try JPEGCodec.decode(data, path: path) }
        if data.isEmpty { throw ImageError(path, "file is empty") }
        throw ImageError(path, "unknown image format (not PNG or JPEG)")
    }

    /// Writes by extension (.png, .jpg/.jpeg), atomically.
    public static func write(_ image: Image, to path: String, quality: Int = 95) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        let data: Data
        switch ext {
        case "png": data = try PNGCodec.encode(image, path: path)
        case "jpg", "jpeg": data = try JPEGCodec.encode(image, quality: quality, path: path)
        default: throw ImageError(path, "unknown image extension '.\(ext)' (png, jpg)")
        }
        do { try AtomicFile.write(data, to: path) } catch { throw ImageError(path, "cannot write: \(error)") }
    }
}
