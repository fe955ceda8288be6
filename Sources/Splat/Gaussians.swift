import Foundation

/// 3D Gaussians as the kernels read them: structure of arrays, row-major.
public struct Gaussians: Equatable, Sendable {
    /// [N, 3] centres.
    public var means: [Float]
    /// [N, 3] log standard deviations along the Gaussian's axes.
    public var logScales: [Float]
    /// [N, 4] rotations as quaternions, w first (normalised when used).
    public var quaternions: [Float]
    /// [N] opacities as logits (sigmoid gives the opacity).
    public var opacityLogits: [Float]
    /// Spherical-harmonics degree of the colour, 0...3.
    public var shDegree: Int
    /// [N, (degree + 1)^2, 3] SH coefficients per colour channel; coefficient 0 is the DC term
    /// (colour = 0.5 + C0 * dc + higher bands, C0 = 0.28209479).
    public var sh: [Float]

    public var count: Int { opacityLogits.count }
    public var shCoefficients: Int { (shDegree + 1) * (shDegree + 1) }

    public init(means: [Float], logScales: [Float], quaternions: [Float], opacityLogits: [Float], shDegree: Int, sh: [Float]) {
        let n = opacityLogits.count, k = (shDegree + 1) * (shDegree + 1)
        precondition(means.count == 3 * n && logScales.count == 3 * n && quaternions.count == 4 * n && sh.count == 3 * k * n,
                     "Gaussians: inconsistent array sizes for \(n) Gaussians of SH degree \(shDegree)")
        precondition((0...3).contains(shDegree), "SH degree must be 0...3")
        (self.means, self.logScales, self.quaternions, self.opacityLogits, self.shDegree, self.sh) =
            (means, logScales, quaternions, opacityLogits, shDegree, sh)
    }

    /// SH DC coefficient for an RGB colour in [0, 1]: the inverse of colour = 0.5 + C0 dc.
    public static func dc(forColour c: Float) -> Float { (c - 0.5) / 0.28209479177387814 }
}

extension Gaussians {
    /// Centre and radius of the opaque part: the mean of the means with opacity above 0.5 (all, when
    /// none is) and the 90th percentile of their distances to it (what turntables and the viewer frame).
    public func opaqueBounds() -> (centre: SIMD3<Float>, radius: Float) {
        var chosen = (0..<count).filter { opacityLogits[$0] > 0 }
        if chosen.isEmpty { chosen = Array(0..<count) }
        guard !chosen.isEmpty else { return (SIMD3(repeating: 0), 1) }
        let points = chosen.map { SIMD3(means[3 * $0], means[3 * $0 + 1], means[3 * $0 + 2]) }
        let centre = points.reduce(SIMD3<Float>(repeating: 0), +) / Float(points.count)
        let distances = points.map { (($0 - centre) * ($0 - centre)).sum().squareRoot() }.sorted()
        return (centre, max(distances[min(distances.count - 1, distances.count * 9 / 10)], 1e-3))
    }

    /// Where a camera with vertical field of view `fov` (degrees) looks to see the opaque part whole
    /// with a margin: its centre, and the distance from it.
    public func framing(fov: Float) -> (centre: SIMD3<Float>, distance: Float) {
        let bounds = opaqueBounds()
        return (bounds.centre, 1.15 * bounds.radius / sin(0.5 * fov * .pi / 180))
    }
}
