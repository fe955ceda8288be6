import Foundation

/// Reference computations for the geometry tests, written plainly and independently of the code
/// under test.
public enum BruteForce {
    /// Distance from p to triangle (a, b, c): to the plane when the projection falls inside the
    /// triangle, else to the nearest edge.
    public static func pointTriangleDistance(_ p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>, _ c: SIMD3<Float>) -> Float {
        func cross(_ u: SIMD3<Float>, _ v: SIMD3<Float>) -> SIMD3<Float> { SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x) }
        func segment(_ u: SIMD3<Float>, _ v: SIMD3<Float>) -> Float {
            let h = max(0, min(1, ((p - u) * (v - u)).sum() / max(((v - u) * (v - u)).sum(), 1e-20)))
            let d = p - u - (v - u) * h
            return (d * d).sum().squareRoot()
        }
        let n = cross(b - a, c - a), length = (n * n).sum().squareRoot()
        if length > 0 {
            let unit = n / length, q = p - unit * ((p - a) * unit).sum()
            let inside = (cross(b - a, q - a) * n).sum() >= 0 && (cross(c - b, q - b) * n).sum() >= 0 && (cross(a - c, q - c) * n).sum() >= 0
            if inside { return abs(((p - a) * unit).sum()) }
        }
        return min(segment(a, b), segment(b, c), segment(c, a))
    }

    /// Distance from p to the nearest of `triangles` [M, 3] over `positions` [N, 3].
    public static func meshDistance(_ p: SIMD3<Float>, positions: [Float], triangles: [Int32]) -> Float {
        func vertex(_ i: Int32) -> SIMD3<Float> { SIMD3(positions[3 * Int(i)], positions[3 * Int(i) + 1], positions[3 * Int(i) + 2]) }
        var best = Float.infinity
        for t in stride(from: 0, to: triangles.count, by: 3) {
            best = min(best, pointTriangleDistance(p, vertex(triangles[t]), vertex(triangles[t + 1]), vertex(triangles[t + 2])))
        }
        return best
    }
}
