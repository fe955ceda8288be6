import Foundation
import Geometry

/// Signed distance functions of simple solids (negative inside; centimetres in the head's frame) and
/// the smooth union that blends them, for the parts built as implicit surfaces: hair volumes, the
/// bust, and the accessories.
public enum Shapes {
    public static func sphere(_ p: SIMD3<Float>, centre: SIMD3<Float>, radius: Float) -> Float { (p - centre).length - radius }

    /// A capsule whose radius goes linearly from ra at a to rb at b (a round cone, approximated by the
    /// radius at the nearest axis point: exact when ra == rb).
    public static func capsule(_ p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>, ra: Float, rb: Float) -> Float {
        let (pa, ba) = (p - a, b - a)
        let h = max(0, min(1, (pa * ba).sum() / max((ba * ba).sum(), 1e-12)))
        return (pa - ba * h).length - (ra + (rb - ra) * h)
    }

    /// A chain of capsules through `points` with one radius (closed: the last point joins the first).
    public static func tube(_ p: SIMD3<Float>, points: [SIMD3<Float>], radius: Float, closed: Bool) -> Float {
        var best = Float.infinity
        let segments = closed ? points.count : points.count - 1
        for i in 0..<segments { best = min(best, capsule(p, points[i], points[(i + 1) % points.count], ra: radius, rb: radius)) }
        return best
    }

    /// A box of half-extents `half` around `centre` with edges rounded by `rounding`.
    public static func roundedBox(_ p: SIMD3<Float>, centre: SIMD3<Float>, half: SIMD3<Float>, rounding: Float) -> Float {
        let d = p - centre
        let q = pointwiseMax(d, -d) - (half - SIMD3(repeating: rounding))
        return pointwiseMax(q, .zero).length + min(max(q.x, max(q.y, q.z)), 0) - rounding
    }

    /// An ellipsoid (the usual first-order bound: exact on the surface's sign, near-exact close to it).
    public static func ellipsoid(_ p: SIMD3<Float>, centre: SIMD3<Float>, radii: SIMD3<Float>) -> Float {
        let q = p - centre
        let k0 = (q / radii).length, k1 = (q / (radii * radii)).length
        return k1 > 0 ? k0 * (k0 - 1) / k1 : -radii.min()
    }

    /// Polynomial smooth minimum (union) with blend width k.
    public static func smoothUnion(_ a: Float, _ b: Float, k: Float) -> Float {
        guard k > 0 else { return min(a, b) }
        let h = max(k - abs(a - b), 0) / k
        return min(a, b) - h * h * k * 0.25
    }
}

/// Smooth 3D value noise in [-1, 1] (hashed lattice values, quintic interpolation) and its fractal
/// sum: seeded, so one subject's skin blotches, hair strands and curls are the same in every view.
public struct ValueNoise: Sendable {
    public let seed: UInt32
    public init(seed: UInt64) { self.seed = UInt32(truncatingIfNeeded: (seed &* 0x9E37_79B9_7F4A_7C15) >> 29) }

    @inline(__always) func lattice(_ x: Int32, _ y: Int32, _ z: Int32) -> Float {
        var h = UInt32(bitPattern: x) &* 0x8DA6_B343 ^ UInt32(bitPattern: y) &* 0xD816_3841 ^ UInt32(bitPattern: z) &* 0xCB1A_B31F ^ seed
        h ^= h >> 15
        h = h &* 0x2C1B_3C6D
        h ^= h >> 12
        h = h &* 0x297A_2D39
        h ^= h >> 15
        return Float(h >> 8) * (2.0 / 16_777_216.0) - 1
    }

    public func callAsFunction(_ p: SIMD3<Float>) -> Float {
        let f = p.rounded(.down), t = p - f
        let (x, y, z) = (Int32(f.x), Int32(f.y), Int32(f.z))
        let s = t * t * t * (t * (t * 6 - 15) + 10)
        func lerp(_ a: Float, _ b: Float, _ u: Float) -> Float { a + (b - a) * u }
        let x00 = lerp(lattice(x, y, z), lattice(x + 1, y, z), s.x), x10 = lerp(lattice(x, y + 1, z), lattice(x + 1, y + 1, z), s.x)
        let x01 = lerp(lattice(x, y, z + 1), lattice(x + 1, y, z + 1), s.x)
        let x11 = lerp(lattice(x, y + 1, z + 1), lattice(x + 1, y + 1, z + 1), s.x)
        return lerp(lerp(x00, x10, s.y), lerp(x01, x11, s.y), s.z)
    }

    /// `octaves` octaves, each twice the frequency and half the amplitude, normalised to about [-1, 1].
    public func fractal(_ p: SIMD3<Float>, octaves: Int) -> Float {
        var sum: Float = 0, amplitude: Float = 1, total: Float = 0, q = p
        for _ in 0..<octaves {
            sum += amplitude * self(q)
            total += amplitude
            amplitude *= 0.5
            q = q * 2.03 + SIMD3(17.1, 5.3, 9.7)
        }
        return sum / total
    }
}
