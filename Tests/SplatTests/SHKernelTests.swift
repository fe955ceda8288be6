import Foundation
import ShadersCPU
import Tensor
import XCTest

/// gs_sh_fwd / gs_sh_bwd at every degree against central differences, for the coefficients and for
/// the means (through the view direction).
final class SHKernelTests: XCTestCase {
    func testBackwardMatchesFiniteDifferences() {
        let n = 5, centre: [Float] = [0.3, -0.2, 3]
        for degree in 0...3 {
            let k = (degree + 1) * (degree + 1)
            var means = Tensor.uniform([3 * n], low: -0.8, high: 0.8, seed: 1).toArray()
            var sh = Tensor.normal([3 * k * n], std: 0.5, seed: 2).toArray()
            let w = Tensor.normal([3 * n], seed: 3).toArray()
            func loss() -> Double {
                var colours = [Float](repeating: 0, count: 3 * n)
                gs_sh_fwd(sh, Int32(k), Int32(degree), means, centre, 0, Int64(n), &colours)
                return zip(colours, w).reduce(0) { $0 + Double($1.0 * $1.1) }
            }
            var dsh = [Float](repeating: 0, count: sh.count), dmeans = [Float](repeating: 0, count: 3 * n)
            gs_sh_bwd(sh, Int32(k), Int32(degree), means, centre, 0, Int64(n), w, &dsh, &dmeans)
            // Central differences of the loss in entry i of the means or of the SH coefficients.
            func numeric(inMeans: Bool, _ i: Int) -> Double {
                let eps: Float = 1e-3, keep = inMeans ? means[i] : sh[i]
                func set(_ value: Float) { if inMeans { means[i] = value } else { sh[i] = value } }
                set(keep + eps); let lp = loss()
                set(keep - eps); let lm = loss()
                set(keep)
                return (lp - lm) / Double(2 * eps)
            }
            for i in sh.indices { XCTAssertEqual(Double(dsh[i]), numeric(inMeans: false, i), accuracy: 1e-3, "degree \(degree) sh[\(i)]") }
            for i in means.indices {
                XCTAssertEqual(Double(dmeans[i]), numeric(inMeans: true, i), accuracy: 2e-3, "degree \(degree) means[\(i)]")
            }
        }
    }
}
