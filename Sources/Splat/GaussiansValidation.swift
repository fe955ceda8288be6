import Foundation

extension Gaussians {
    /// Log scales above this are refused: e^30 (about 10^13 scene units) already squares to 10^26 in
    /// the covariance, and beyond it the projection overflows Float32 and the Gaussian would be
    /// culled or drawn as garbage without a word.
    public static let maximumLogScale: Float = 30
    /// Position coordinates beyond +-10^7 scene units are refused: Float32 places them no better than
    /// a unit apart, and the projection's products of them overflow.
    public static let maximumCoordinate: Float = 1e7
    /// Quaternion components beyond +-10^9 are refused: their squared norm must stay finite.
    public static let maximumQuaternionComponent: Float = 1e9
    /// SH coefficients beyond +-10^4 are refused (a colour is 0.28 x the DC term + 0.5): the loss's SSIM
    /// multiplies squared colours, which overflow Float32 from about 10^9.
    public static let maximumSHCoefficient: Float = 1e4

    /// The first Gaussian a renderer cannot draw, described (index, attribute and value), or nil:
    /// NaN or infinite values anywhere, log scales above `maximumLogScale`, positions, quaternion
    /// components or SH coefficients beyond their maximum magnitudes (finite values whose rendering or
    /// training overflows to NaN).
    public func firstProblem() -> String? {
        func describe(_ values: ArraySlice<Float>) -> String { "(" + values.map { "\($0)" }.joined(separator: ", ") + ")" }
        let k = 3 * shCoefficients
        for i in 0..<count {
            let mean = means[(3 * i)..<(3 * i + 3)], scale = logScales[(3 * i)..<(3 * i + 3)]
            let rotation = quaternions[(4 * i)..<(4 * i + 4)], colour = sh[(k * i)..<(k * i + k)]
            let which = "Gaussian \(i) of \(count)"
            if !mean.allSatisfy(\.isFinite) { return "\(which) has a non-finite position \(describe(mean))" }
            if mean.contains(where: { abs($0) > Self.maximumCoordinate }) {
                return "\(which) has the position \(describe(mean)) (coordinates beyond +-\(Int(Self.maximumCoordinate)) are refused)"
            }
            if !scale.allSatisfy(\.isFinite) { return "\(which) has a non-finite log scale \(describe(scale))" }
            if let big = scale.first(where: { $0 > Self.maximumLogScale }) {
                return "\(which) has log scale \(big) (the limit is \(Self.maximumLogScale), a scale of e^\(Int(Self.maximumLogScale)))"
            }
            if !rotation.allSatisfy(\.isFinite) { return "\(which) has a non-finite rotation \(describe(rotation))" }
            if rotation.contains(where: { abs($0) > Self.maximumQuaternionComponent }) {
                return "\(which) has the rotation \(describe(rotation)) (components beyond +-\(Int(Self.maximumQuaternionComponent)) are refused)"
            }
            if !opacityLogits[i].isFinite { return "\(which) has a non-finite opacity logit \(opacityLogits[i])" }
            if !colour.allSatisfy(\.isFinite) { return "\(which) has non-finite colour (SH) coefficients" }
            if let big = colour.first(where: { abs($0) > Self.maximumSHCoefficient }) {
                return "\(which) has the colour (SH) coefficient \(big) (coefficients beyond +-\(Int(Self.maximumSHCoefficient)) are refused)"
            }
        }
        return nil
    }
}
