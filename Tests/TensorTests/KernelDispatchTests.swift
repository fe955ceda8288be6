import ShadersCPU
import Tensor
import TestSupport
import XCTest

/// Every ISA variant of the C kernels gives the same results as the portable one.
final class KernelDispatchTests: XCTestCase {
    override func tearDown() { nn_set_isa_level(nn_isa_detected()) }

    func testAllISAVariantsAgree() {
        let x = Tensor.normal([2, 8, 9, 7], std: 4, seed: 1)
        let gamma = Tensor.normal([8], seed: 2), beta = Tensor.normal([8], seed: 3)
        func run() -> [[Float]] {
            [x.gelu().toArray(), x.gelu(approximate: .tanh).toArray(), x.silu().toArray(), x.exp().toArray(),
             x.softmax().toArray(), x.groupNorm(groups: 4, gamma: gamma, beta: beta).toArray(),
             x.layerNorm().toArray(), x.conv2d(weight: Tensor.normal([3, 8, 3, 3], seed: 4), padding: (1, 1)).toArray()]
        }
        nn_set_isa_level(0)
        let portable = run()
        for level in 1...max(1, nn_isa_detected()) where level <= nn_isa_detected() {
            nn_set_isa_level(Int32(level))
            XCTAssertEqual(nn_isa_level(), Int32(level))
            // Same results up to float re-association (FMA, GEMM tile order): 2e-6 of each output's scale.
            for (k, (a, b)) in zip(run(), portable).enumerated() {
                let scale = max(1, b.map { Swift.abs($0) }.max() ?? 0)
                let worst = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 2e-6 * scale, "output \(k), ISA level \(level)")
            }
        }
    }

    func testExpKernelIsAccurateOverItsRange() {
        let values = stride(from: Float(-87), through: 88, by: 0.37).map { $0 }
        let y = Tensor(values, shape: [values.count]).exp().toArray()
        for (v, e) in zip(values, y) {
            let reference = Float(Foundation.exp(Double(v)))
            XCTAssertLessThanOrEqual(Swift.abs(e - reference) / reference, 3e-7, "exp(\(v))")
        }
    }

    /// GELU's erf (a vectorisable Chebyshev fit instead of libm's scalar erff) on every ISA.
    func testErfKernelIsAccurateOverItsRange() {
        let values = stride(from: Float(-9), through: 9, by: 0.0137).map { $0 } + [0, -0, 1e-8, -1e-8, 30, -30]
        var y = [Float](repeating: 0, count: values.count)
        for level in 0...nn_isa_detected() {
            nn_set_isa_level(level)
            nn_erf_fwd(values, &y, Int64(values.count))
            for (v, e) in zip(values, y) {
                XCTAssertLessThanOrEqual(Swift.abs(e - Float(Foundation.erf(Double(v)))), 2e-7, "erf(\(v)), ISA level \(level)")
            }
        }
    }
}
