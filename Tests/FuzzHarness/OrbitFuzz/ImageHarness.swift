import Foundation
import Imaging

/// PNG and JPEG through `ImageIO.decode`, the function `ImageIO.read` runs on a file's bytes (every
/// portrait, view and COLMAP image a command reads): the signature picks libpng's simplified API or
/// TurboJPEG, the size in the header is checked against ORBIT_MAX_IMAGE_PIXELS (1 megapixel here,
/// `FuzzOptions`) before anything is allocated, 16-bit alpha is un-premultiplied and a JPEG's EXIF
/// orientation is parsed and applied. A decoded image must hold width x height x channels pixels.
/// PNG inputs get their chunks' CRCs recomputed first: libpng rejects a chunk whose CRC is wrong, so
/// the fuzzer's mutations of a header (size, bit depth, colour type, palette) would never be decoded.
struct ImageDecodeHarness: FuzzHarness {
    enum Format { case png, jpeg }
    let format: Format
    let path: String

    init(_ format: Format, scratch: ScratchFolder) {
        self.format = format
        path = scratch.file(format == .png ? "input.png" : "input.jpg")
    }

    func run(_ input: Data) throws {
        let image = try ImageIO.decode(format == .png ? Self.recomputingChunkCRCs(input) : input, path: path)
        guard image.width >= 1, image.height >= 1, [1, 2, 3, 4].contains(image.channels),
              image.pixels.count == image.width * image.height * image.channels else {
            finding("decoded \(image.width)x\(image.height)x\(image.channels) with \(image.pixels.count) values")
        }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `data` with the CRC of every chunk that fits recomputed (a PNG: signature, then chunks of
    /// big-endian length, type, data, CRC).
    static func recomputingChunkCRCs(_ data: Data) -> Data {
        var bytes = [UInt8](data)
        guard bytes.starts(with: pngSignature) else { return data }
        var at = pngSignature.count
        while at + 12 <= bytes.count {
            let length = (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) }
            guard length <= bytes.count - at - 12 else { break }
            let crc = SeedCorpus.crc32(bytes[(at + 4)..<(at + 8 + length)])
            bytes.replaceSubrange((at + 8 + length)..<(at + 12 + length), with: SeedCorpus.bigEndian(crc))
            at += 12 + length
        }
        return Data(bytes)
    }

    func seeds() throws -> [String: Data] {
        switch format {
        case .png: return try pngSeeds()
        case .jpeg: return try jpegSeeds()
        }
    }

    private func pngSeeds() throws -> [String: Data] {
        var seeds: [String: Data] = [:]
        for name in ["rgb8", "rgba8", "gray8", "gray16", "palette"] { seeds["\(name).png"] = try SeedCorpus.file("Tests/Fixtures/core/\(name).png") }
        // 16-bit RGBA and gray+alpha, written by Orbit (premultiplied on the way out by libpng's simplified API).
        for (name, channels) in [("rgba16", 4), ("gray-alpha16", 2)] {
            var image = Image(width: 5, height: 3, channels: channels, pixels: (0..<(15 * channels)).map { Float($0 % 7) / 6 })
            image.bitDepth = 16
            let file = path + ".\(name).png"
            try ImageIO.write(image, to: file)
            seeds["\(name).png"] = try SeedCorpus.file(file)
            try? FileManager.default.removeItem(atPath: file)
        }
        let rgb = seeds["rgb8.png"]!
        seeds["bad-truncated.png"] = rgb.prefix(rgb.count / 2)
        // A decompression bomb's header: 100000 x 100000 RGBA, no data (refused from the header).
        let signature = Self.pngSignature
        let ihdr = SeedCorpus.bigEndian(100_000) + SeedCorpus.bigEndian(100_000) + [8, 6, 0, 0, 0]
        seeds["bad-huge-header.png"] = Data(signature + SeedCorpus.pngChunk("IHDR", ihdr) + SeedCorpus.pngChunk("IEND", []))
        seeds["bad-zero-width.png"] = Data(signature + SeedCorpus.pngChunk("IHDR", SeedCorpus.bigEndian(0) + SeedCorpus.bigEndian(4) + [8, 2, 0, 0, 0])
                                           + SeedCorpus.pngChunk("IEND", []))
        return seeds
    }

    private func jpegSeeds() throws -> [String: Data] {
        var seeds: [String: Data] = [:]
        for name in ["rgb", "gray", "rgb_exif3", "rgb_exif6"] { seeds["\(name).jpg"] = try SeedCorpus.file("Tests/Fixtures/core/\(name).jpg") }
        let rgb = seeds["rgb.jpg"]!
        seeds["bad-truncated.jpg"] = rgb.prefix(rgb.count * 2 / 3)
        // The frame header (SOF0 or SOF2) claiming 20000 x 20000: refused before decoding.
        if let sof = (0..<(rgb.count - 8)).first(where: { rgb[$0] == 0xFF && (rgb[$0 + 1] == 0xC0 || rgb[$0 + 1] == 0xC2) }) {
            seeds["bad-huge-frame.jpg"] = SeedCorpus.patched(rgb, at: sof + 5, with: [0x4E, 0x20, 0x4E, 0x20])
        }
        return seeds
    }
}
