import Foundation
import Tensor

/// Niantic's compact `.spz` (github.com/nianticlabs/spz, MIT licence; the layout and constants below
/// were checked against its `src/cc/load-spz.cc`, whose arrays are written in this order, not the one
/// its README lists). A gzip stream of a 16-byte little-endian header, u32 magic 0x5053474e ("NGSP"),
/// u32 version, u32 numPoints, u8 shDegree, u8 fractionalBits, u8 flags (bit 0: antialiased), u8 0,
/// then arrays over all N points in turn, every byte rounded and clamped to 0...255:
/// - positions: N x 3 x 24-bit signed fixed point, little-endian, value x 2^fractionalBits (12 when
///   written: steps of 1/4096, range +-2048; values beyond it are clamped)
/// - alphas: N x u8, sigmoid(opacity logit) x 255
/// - colours: N x 3 x u8, SH DC coefficient x (0.15 x 255) + 0.5 x 255 (scaled by 0.15 rather than
///   C0, so DC terms from -3.33 to 3.33 fit)
/// - scales: N x 3 x u8, (log scale + 10) x 16 (log scales -10 to 5.9 in steps of 1/16)
/// - rotations: version 2, N x 3 x u8: x, y, z of the normalised quaternion with w made non-negative
///   (the whole quaternion negated), x 127.5 + 127.5; w is sqrt(1 - x^2 - y^2 - z^2). Version 3 (read
///   only), N x u32: 2 bits naming the largest component, then for each other one, highest first,
///   a sign bit and 9 bits of |value| / sqrt(1/2) x 511
/// - SH rest: N x (K - 1) x 3 u8 (per point, per coefficient, per channel: Gaussians' own order),
///   round(value x 128) + 128 snapped to buckets of 8 (the degree-1 coefficients) or 16 (higher).
/// Writes version 2, 12 fractional bits, flags 0; reads versions 2 and 3 without extensions (flag bit 1).
/// Alphas of 0 and 255 read as half a step inside (0, 1), so that opacity logits stay finite.
/// Coordinates are stored as they are: Orbit's heads are y up with +z out of the face, which is the
/// format's RUB convention already (the reference converts INRIA PLYs of COLMAP scenes from RDF).
public enum SpzFile: GaussiansEncoding, GaussiansDecoding {
    static let magic: UInt32 = 0x5053_474e
    static let headerSize = 16
    static let colourScale: Float = 0.15

    /// The `.spz` bytes (gzip) of `g`.
    public static func encode(_ g: Gaussians) throws -> Data {
        let n = g.count, k = g.shCoefficients, fractionalBits = 12
        var bytes = [UInt8]()
        bytes.reserveCapacity(headerSize + n * bytesPerPoint(version: 2, shDegree: g.shDegree))
        for word in [magic, 2, UInt32(n)] { bytes += (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        bytes += [UInt8(g.shDegree), UInt8(fractionalBits), 0, 0]
        let limit = Float(1 << 23)
        for value in g.means {
            let fixed = Int32(max(-limit, min(limit - 1, (value * Float(1 << fractionalBits)).rounded())))
            bytes += (0..<3).map { UInt8(truncatingIfNeeded: fixed >> (8 * $0)) }
        }
        bytes += g.opacityLogits.map { byte(255 / (1 + exp(-$0))) }
        for i in 0..<n { bytes += (0..<3).map { byte(g.sh[i * k * 3 + $0] * colourScale * 255 + 127.5) } }
        bytes += g.logScales.map { byte(($0 + 10) * 16) }
        for i in 0..<n { bytes += packRotation(Array(g.quaternions[(4 * i)..<(4 * i + 4)])) }
        for i in 0..<n {
            for j in 1..<k { for c in 0..<3 { bytes.append(packSH(g.sh[(i * k + j) * 3 + c], bucket: j < 4 ? 8 : 16)) } }
        }
        return try Gzip.compress(Data(bytes))
    }

    /// Gaussians from `.spz` bytes; `path` names the file in errors. Inflates no more than the header's
    /// point count implies, and refuses counts over `InputLimit.gaussians` (ORBIT_MAX_GAUSSIANS; 10 million by
    /// default, the reference reader's limit).
    public static func decode(_ data: Data, path: String) throws -> Gaussians {
        do {
            let reader = try GzipReader(data)
            let header = try reader.read(headerSize)
            guard header.count == headerSize else { throw SplatInputError(path, "truncated (\(header.count)-byte header)") }
            func word(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(header[at + $1]) << (8 * $1) } }
            guard word(0) == magic else { throw SplatInputError(path, "not an .spz file (magic 0x\(String(word(0), radix: 16)))") }
            let version = Int(word(4)), count = Int(word(8)), degree = Int(header[12]), fractionalBits = Int(header[13])
            guard version == 2 || version == 3 else { throw SplatInputError(path, "version \(version) is not supported (2 or 3)") }
            try InputLimit.gaussians.check(count, claimed: "\(count) points", path: path)
            guard degree <= 3 else { throw SplatInputError(path, "SH degree \(degree) is not supported (0...3)") }
            guard fractionalBits <= 23 else { throw SplatInputError(path, "\(fractionalBits) fractional bits do not fit 24 bits") }
            guard header[14] & 2 == 0 else { throw SplatInputError(path, "extensions are not supported") }
            let expected = count * bytesPerPoint(version: version, shDegree: degree)
            let body = try reader.read(expected)
            guard body.count == expected else {
                throw SplatInputError(path, "truncated (\(body.count) of the \(expected) bytes \(count) points need)")
            }
            guard try reader.atEnd() else { throw SplatInputError(path, "more data than \(count) points need") }
            return unpack(body, count: count, version: version, shDegree: degree, fractionalBits: fractionalBits)
        } catch let error as GzipError {
            throw SplatInputError(path, "\(error)")
        }
    }

    /// Bytes per point after the header.
    static func bytesPerPoint(version: Int, shDegree: Int) -> Int {
        9 + 1 + 3 + 3 + (version >= 3 ? 4 : 3) + 3 * ((shDegree + 1) * (shDegree + 1) - 1)
    }

    static func unpack(_ body: [UInt8], count n: Int, version: Int, shDegree: Int, fractionalBits: Int) -> Gaussians {
        let k = (shDegree + 1) * (shDegree + 1), rotationBytes = version >= 3 ? 4 : 3
        let (alphas, colours) = (9 * n, 10 * n)
        let (scales, rotations) = (13 * n, 16 * n), rest = (16 + rotationBytes) * n
        let means = (0..<(3 * n)).map { i -> Float in
            let raw = Int32(body[3 * i]) | Int32(body[3 * i + 1]) << 8 | Int32(body[3 * i + 2]) << 16
            return Float((raw << 8) >> 8) / Float(1 << fractionalBits)
        }
        let opacityLogits = body[alphas..<(alphas + n)].map { b -> Float in
            let a = min(max(Float(b) / 255, 0.5 / 255), 254.5 / 255)
            return log(a / (1 - a))
        }
        let logScales = body[scales..<(scales + 3 * n)].map { Float($0) / 16 - 10 }
        let quaternions = (0..<n).flatMap { i in
            let start = rotations + rotationBytes * i
            return unpackRotation(Array(body[start..<(start + rotationBytes)]))
        }
        var sh = [Float](repeating: 0, count: n * k * 3)
        for i in 0..<n {
            for c in 0..<3 { sh[i * k * 3 + c] = (Float(body[colours + 3 * i + c]) / 255 - 0.5) / colourScale }
            for j in 1..<k {
                for c in 0..<3 { sh[(i * k + j) * 3 + c] = (Float(body[rest + (i * (k - 1) + j - 1) * 3 + c]) - 128) / 128 }
            }
        }
        return Gaussians(means: means, logScales: logScales, quaternions: quaternions, opacityLogits: opacityLogits,
                         shDegree: shDegree, sh: sh)
    }

    static func byte(_ v: Float) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }

    /// Version 2's rotation bytes for a quaternion w, x, y, z (any norm; zero reads as no rotation).
    static func packRotation(_ q: [Float]) -> [UInt8] {
        let norm = (q.map { $0 * $0 }.reduce(0, +)).squareRoot()
        guard norm > 0, norm.isFinite else { return [128, 128, 128] }
        let sign: Float = q[0] < 0 ? -1 : 1
        return q[1...].map { byte(sign * $0 / norm * 127.5 + 127.5) }
    }

    /// A unit quaternion w, x, y, z from version 2's 3 bytes or version 3's 4.
    static func unpackRotation(_ bytes: [UInt8]) -> [Float] {
        if bytes.count == 3 {
            let xyz = bytes.map { Float($0) / 127.5 - 1 }
            return [max(0, 1 - xyz.map { $0 * $0 }.reduce(0, +)).squareRoot()] + xyz
        }
        var packed = bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        let largest = Int(packed >> 30)
        var xyzw = [Float](repeating: 0, count: 4)
        for i in stride(from: 3, through: 0, by: -1) where i != largest {
            let magnitude = Float(packed & 511) / 511 * Float(0.5).squareRoot()
            xyzw[i] = packed & 512 != 0 ? -magnitude : magnitude
            packed >>= 10
        }
        xyzw[largest] = max(0, 1 - xyzw.map { $0 * $0 }.reduce(0, +)).squareRoot()
        return [xyzw[3], xyzw[0], xyzw[1], xyzw[2]]
    }

    /// A higher-band SH coefficient's byte: round(v x 128) + 128 snapped to the nearest multiple of `bucket`.
    static func packSH(_ v: Float, bucket: Int) -> UInt8 {
        let q = Int(max(-512, min(512, (v * 128).rounded()))) + 128
        return UInt8(max(0, min(255, (q + bucket / 2) / bucket * bucket)))
    }
}
