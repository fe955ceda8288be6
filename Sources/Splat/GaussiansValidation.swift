import Foundation

extension Gaussians {
    /// Log scales above this are refused: e^30 (about 10^13 scene units) already squares to 10^26 in
    /// the covariance, and beyond it the projection overflows Float32 and the Gaussian would be
    /// culled or drawn as garbage without a word.
    public static let maximumLogScale: Float = 30

    /// The first Gaussian a renderer cannot draw, described (index, attribute and value), or nil:
    /// NaN or infinite values anywhere, log scales above `maximumLogScale`.
    public func firstProblem() -> String? {
        func describe(_ values: ArraySlice<Float>) -> String { "(" + values.map { "\($0)" }.joined(separator: ", ") + ")" }
        let k = 3 * shCoefficients
        for i in 0..<count {
            let mean = means[(3 * i)..<(3 * i + 3)], scale = logScales[(3 * i)..<(3 * i + 3)]
            let rotation = quaternions[(4 * i)..<(4 * i + 4)], colour = sh[(k * i)..<(k * i + k)]
            let which = "Gaussian \(i) of \(count)"
            if !mean.allSatisfy(\.isFinite) { return "\(which) has a non-finite position \(describe(mean))" }
            if !scale.allSatisfy(\.isFinite) { return "\(which) has a non-finite log scale \(describe(scale))" }
            if let big = scale.first(where: { $0 > Self.maximumLogScale }) {
                return "\(which) has log scale \(big) (the limit is \(Self.maximumLogScale), a scale of e^\(Int(Self.maximumLogScale)))"
            }
            if !rotation.allSatisfy(\.isFinite) { return "\(which) has a non-finite rotation \(describe(rotation))" }
            if !opacityLogits[i].isFinite { return "\(which) has a non-finite opacity logit \(opacityLogits[i])" }
            if !colour.allSatisfy(\.isFinite) { return "\(which) has non-finite colour (SH) coefficients" }
        }
        return nil
    }
}
