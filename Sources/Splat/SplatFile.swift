import Foundation

/// antimatter15's `.splat` (the web viewer's format): 32 bytes per Gaussian, position 3 x f32,
/// scale 3 x f32 (linear), colour RGBA 4 x u8 (SH DC as 0.5 + C0 dc, opacity as alpha), rotation
/// 4 x u8 (the normalised quaternion w, x, y, z mapped from [-1, 1] to 0..255); ordered by
/// decreasing size x opacity, as its converter writes them. View-dependent colour is dropped.
public enum SplatFile: GaussiansEncoding {
    public static func encode(_ g: Gaussians) -> Data {
        func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
        let k = g.shCoefficients
        let order = (0..<g.count).sorted { a, b in
            let sa = exp(g.logScales[3 * a] + g.logScales[3 * a + 1] + g.logScales[3 * a + 2]) * sigmoid(g.opacityLogits[a])
            let sb = exp(g.logScales[3 * b] + g.logScales[3 * b + 1] + g.logScales[3 * b + 2]) * sigmoid(g.opacityLogits[b])
            return sa > sb
        }
        var data = Data(capacity: 32 * g.count)
        func byte(_ v: Float) -> UInt8 { UInt8(max(0, min(255, (v * 255).rounded()))) }
        for i in order {
            let floats = Array(g.means[(3 * i)..<(3 * i + 3)]) + g.logScales[(3 * i)..<(3 * i + 3)].map { exp($0) }
            floats.withUnsafeBytes { data.append(contentsOf: $0) }
            let colour = (0..<3).map { byte(0.5 + 0.28209479177387814 * g.sh[i * k * 3 + $0]) }
            data.append(contentsOf: colour + [byte(sigmoid(g.opacityLogits[i]))])
            let q = Array(g.quaternions[(4 * i)..<(4 * i + 4)])
            let norm = max((q.map { $0 * $0 }.reduce(0, +)).squareRoot(), 1e-12)
            data.append(contentsOf: q.map { UInt8(max(0, min(255, ($0 / norm * 128 + 128).rounded()))) })
        }
        return data
    }
}
