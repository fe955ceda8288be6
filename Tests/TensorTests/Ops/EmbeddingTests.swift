import Tensor
import TestSupport
import XCTest

final class EmbeddingTests: XCTestCase {
    func testTimestepEmbeddingMatchesDiffusersFormula() throws {
        let fx = try Fixtures.file("core/ops.safetensors")
        let t = try fx.tensor("temb_sin.in0")
        assertClose(Tensor.timestepEmbedding(t, dim: 32), try fx.tensor("temb_sin.out"), rtol: 1e-5, atol: 2e-5,
                    "sin first, shift 1")
        assertClose(Tensor.timestepEmbedding(t, dim: 32, flipSinToCos: true, downscaleFreqShift: 0),
                    try fx.tensor("temb_cos.out"), rtol: 1e-5, atol: 2e-5, "cos first, shift 0 (SVD)")
    }

    func testTimestepEmbeddingGradient() {
        let t = Tensor([0.3, 1.7, 4.2], shape: [3]).requiringGrad()
        checkGradients([t], "timestep embedding", eps: 1e-3) { Tensor.timestepEmbedding($0[0], dim: 8, flipSinToCos: true) }
    }
}
