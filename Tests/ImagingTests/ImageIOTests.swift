import Foundation
import Imaging
import Tensor
import TestSupport
import XCTest

/// Decoding against Pillow (Tools/golden/make_core_fixtures.py): PNG exactly, JPEG within 1/255.
final class ImageIOTests: XCTestCase {
    private func expected(_ name: String) throws -> [Float] {
        try Fixtures.file("core/images_expected.safetensors").tensor(name).toArray()
    }

    func testPNGMatchesPillowExactly() throws {
        for (name, channels) in [("rgb8.png", 3), ("rgba8.png", 4), ("gray8.png", 1), ("palette.png", 3)] {
            let img = try ImageIO.read(Fixtures.path("core/" + name))
            XCTAssertEqual([img.width, img.height, img.channels], [37, 23, channels], name)
            XCTAssertEqual(img.bytes8().map(Float.init), try expected(name), name)
        }
        let g16 = try ImageIO.read(Fixtures.path("core/gray16.png"))
        XCTAssertEqual(g16.bitDepth, 16)
        XCTAssertEqual(g16.words16().map(Float.init), try expected("gray16.png"))
    }

    func testJPEGMatchesPillowWithinOneLevelAndAppliesEXIFOrientation() throws {
        for name in ["rgb.jpg", "gray.jpg", "rgb_exif6.jpg", "rgb_exif3.jpg"] {
            let img = try ImageIO.read(Fixtures.path("core/" + name))
            let ref = try expected(name)
            XCTAssertEqual(img.pixels.count, ref.count, name)
            let diff = zip(img.bytes8(), ref).map { abs(Float($0) - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(diff, 1, name)
        }
        let rotated = try ImageIO.read(Fixtures.path("core/rgb_exif6.jpg"))
        XCTAssertEqual([rotated.width, rotated.height], [23, 37], "orientation 6 swaps the sides")
    }

    func testRoundTrips() throws {
        let dir = Fixtures.temporaryDirectory()
        var rng = SeededGenerator(seed: 1)
        for (channels, depth) in [(1, 8), (3, 8), (4, 8), (2, 8), (1, 16), (3, 16)] {
            let scale: Float = depth == 16 ? 65535 : 255
            let px = (0..<(9 * 7 * channels)).map { _ in Float(Int(rng.nextUniform() * scale)) / scale }
            let img = Image(width: 9, height: 7, channels: channels, pixels: px, bitDepth: depth)
            let path = "\(dir)/rt_\(channels)_\(depth).png"
            try ImageIO.write(img, to: path)
            let back = try ImageIO.read(path)
            XCTAssertEqual(back.channels, channels)
            XCTAssertEqual(back.bitDepth, depth)
            if depth == 16 { XCTAssertEqual(back.words16(), img.words16()) } else { XCTAssertEqual(back.bytes8(), img.bytes8()) }
        }
        let smooth = Image(width: 16, height: 16, channels: 3, pixels: (0..<768).map { Float($0 % 48) / 48 })
        try ImageIO.write(smooth, to: "\(dir)/q.jpg", quality: 98)
        let jpeg = try ImageIO.read("\(dir)/q.jpg")
        XCTAssertLessThan(zip(jpeg.pixels, smooth.pixels).map { abs($0 - $1) }.max()!, 0.08)
    }

    func testBadInputsNameTheFile() throws {
        let dir = Fixtures.temporaryDirectory()
        let png = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("core/rgb8.png")))
        let jpg = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("core/rgb.jpg")))
        var corruptPNG = png
        corruptPNG[40] ^= 0xFF  // inside IDAT: zlib or CRC error
        var hugeJPEG = jpg
        if let sof = (0..<(jpg.count - 9)).first(where: { jpg[$0] == 0xFF && jpg[$0 + 1] == 0xC0 }) {
            hugeJPEG[sof + 5] = 0x4E; hugeJPEG[sof + 6] = 0x20  // height 20000
            hugeJPEG[sof + 7] = 0x4E; hugeJPEG[sof + 8] = 0x20  // width 20000
        }
        let cases: [(String, Data, String)] = [
            ("empty.png", Data(), "empty"),
            ("text.png", Data("hello, not an image".utf8), "unknown image format"),
            ("truncated.png", png.prefix(png.count / 2), "PNG"),
            ("corrupt.png", corruptPNG, "PNG"),
            ("truncated.jpg", jpg.prefix(jpg.count / 2), "JPEG"),
            ("header_only.jpg", jpg.prefix(20), "JPEG"),
            ("huge.jpg", hugeJPEG, "image size 20000x20000 (400000000 pixels) is over the limit of 67108864 pixels"),
            ("huge.png", Self.pngHeader(width: 20000, height: 20000), "image size 20000x20000 (400000000 pixels) is over the limit"),
            ("zero.png", Self.pngHeader(width: 0, height: 10), "PNG"),
        ]
        for (name, data, problem) in cases {
            let path = "\(dir)/\(name)"
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ImageIO.read(path), name) { error in
                XCTAssertTrue("\(error)".contains(path), "\(name): \(error)")
                XCTAssertTrue("\(error)".contains(problem), "\(name): expected '\(problem)' in \(error)")
            }
        }
        XCTAssertThrowsError(try ImageIO.read("\(dir)/nope.png")) { XCTAssertTrue("\($0)".contains("no such file")) }
        XCTAssertThrowsError(try ImageIO.write(Image(width: 2, height: 2, channels: 3), to: "\(dir)/x.bmp")) {
            XCTAssertTrue("\($0)".contains("x.bmp"))
        }
        XCTAssertThrowsError(try ImageIO.write(Image(width: 2, height: 2, channels: 3), to: "\(dir)/missing_dir/x.png"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/missing_dir/x.png"))
    }

    /// Decompression bombs are refused from the header before anything is allocated: a 16384x16384
    /// PNG (4.4 GB decoded) and a 100000x100000 one, under the default 64-megapixel limit; the limit
    /// is ORBIT_MAX_IMAGE_PIXELS's when set.
    func testPixelLimitIsCheckedFromTheHeader() throws {
        let dir = Fixtures.temporaryDirectory()
        for (side, pixels) in [(16384, "268435456"), (100_000, "10000000000")] {
            let path = "\(dir)/bomb\(side).png"
            try Self.pngHeader(width: UInt32(side), height: UInt32(side)).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ImageIO.read(path)) {
                XCTAssertEqual("\($0)", "\(path): image size \(side)x\(side) (\(pixels) pixels) is over the limit of 67108864 pixels "
                               + "(set ORBIT_MAX_IMAGE_PIXELS to raise it)")
            }
        }
        let small = Fixtures.path("core/rgb8.png")
        let image = try ImageIO.read(small)
        setenv("ORBIT_MAX_IMAGE_PIXELS", "\(image.width * image.height - 1)", 1)
        defer { unsetenv("ORBIT_MAX_IMAGE_PIXELS") }
        XCTAssertThrowsError(try ImageIO.read(small)) { XCTAssertTrue("\($0)".contains("is over the limit of \(image.width * image.height - 1) pixels"), "\($0)") }
        setenv("ORBIT_MAX_IMAGE_PIXELS", "\(image.width * image.height)", 1)
        XCTAssertEqual(try ImageIO.read(small).width, image.width)
    }

    /// A PNG signature, an IHDR chunk for the given size, an empty IDAT and IEND (valid CRCs).
    static func pngHeader(width: UInt32, height: UInt32) -> Data {
        var chunk = Data("IHDR".utf8)
        for v in [width, height] { withUnsafeBytes(of: v.bigEndian) { chunk.append(contentsOf: $0) } }
        chunk.append(contentsOf: [8, 2, 0, 0, 0])
        var d = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        for body in [chunk, Data("IDAT".utf8), Data("IEND".utf8)] {
            withUnsafeBytes(of: UInt32(body.count - 4).bigEndian) { d.append(contentsOf: $0) }
            d.append(body)
            withUnsafeBytes(of: crc32(body).bigEndian) { d.append(contentsOf: $0) }
        }
        return d
    }

    static func crc32(_ data: Data) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}
