import Foundation

/// The few vector operations the geometry code needs on 3-vectors, and the conversion between a
/// list of points and the flat [N, 3] float arrays meshes store.
extension SIMD3 where Scalar == Float {
    public var length: Float { (self * self).sum().squareRoot() }

    public func cross(_ v: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(y * v.z - z * v.y, z * v.x - x * v.z, x * v.y - y * v.x)
    }

    /// Unit length, dividing by at least `floor` (so a zero vector stays zero).
    public func normalised(floor: Float = 1e-12) -> SIMD3<Float> { self / Swift.max(length, floor) }
}

extension Array where Element == SIMD3<Float> {
    /// Points from a flat [N, 3] array.
    public init(flat: [Float]) {
        self = (0..<(flat.count / 3)).map { SIMD3(flat[3 * $0], flat[3 * $0 + 1], flat[3 * $0 + 2]) }
    }

    /// The points as a flat [N, 3] array.
    public var flat: [Float] { flatMap { [$0.x, $0.y, $0.z] } }
}
