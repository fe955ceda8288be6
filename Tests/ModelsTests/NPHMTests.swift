import Foundation
import Models
import NN
import Tensor
import TestSupport
import XCTest

/// The NPHM-style head model against an independent PyTorch implementation of the same architecture
/// with seeded random weights (Tools/golden/make_nphm_fixtures.py): signed distances, colours,
/// canonical coordinates, anchors, the SDF's spatial gradient (forward-mode tangents here, autograd
/// there) and the gradient of a loss with an eikonal term (double backward there) with respect to
/// every parameter and code.
final class NPHMTests: XCTestCase {
    func load() throws -> (NPHMHead, SafeTensorsFile) {
        let config = try JSONDecoder().decode(NPHMConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("nphm/config.json"))))
        let io = try Fixtures.file("nphm/nphm_io.safetensors")
        let head = try WeightLoader.load(path: Fixtures.path("nphm/nphm_weights.safetensors")) { try NPHMHead($0, config: config) }
        return (head, io)
    }

    func testForwardMatchesTorch() throws {
        let (head, io) = try load()
        let out = noGrad {
            head(points: try! io.tensor("points"), geometry: try! io.tensor("geometry"), appearance: try! io.tensor("appearance"),
                 expression: try! io.tensor("expression"), spatialGradient: true)
        }
        assertClose(out.anchors, try io.tensor("anchors_out"), atol: 1e-6, "anchors")
        assertClose(out.canonical.value, try io.tensor("canonical"), atol: 1e-6, "canonical coordinates")
        assertClose(out.sdf.value, try io.tensor("sdf"), atol: 1e-6, "signed distance")
        assertClose(out.colour!, try io.tensor("colour"), atol: 1e-6, "colour")
        assertClose(out.sdf.tangent!.permuted([1, 2, 0]).contiguous(), try io.tensor("spatial_gradient"), atol: 1e-5, "spatial gradient")
    }

    /// Inference without a spatial gradient (meshing) runs the member networks fused (RowMLP).
    func testFusedInferenceMatchesTorch() throws {
        let (head, io) = try load()
        let out = noGrad {
            head(points: try! io.tensor("points"), geometry: try! io.tensor("geometry"), appearance: try! io.tensor("appearance"),
                 expression: try! io.tensor("expression"))
        }
        XCTAssertNil(out.sdf.tangent)
        assertClose(out.sdf.value, try io.tensor("sdf"), atol: 1e-6, "signed distance")
        assertClose(out.colour!, try io.tensor("colour"), atol: 1e-6, "colour")
    }

    func testLossGradientsThroughTheSpatialGradientMatchTorch() throws {
        let (head, io) = try load()
        for (_, p) in head.trainableParameters { p.requiringGrad() }
        let codes = try ["geometry", "appearance", "expression"].map { try io.tensor($0).clone().requiringGrad() }
        let out = head(points: try io.tensor("points"), geometry: codes[0], appearance: codes[1], expression: codes[2], spatialGradient: true)
        let gradient = out.sdf.tangent!  // [3, S, N]
        let eikonal = ((gradient * gradient).sum(axes: [0]).sqrt() - 1).pow(2).sum()
        let loss = (out.sdf.value * (try io.tensor("loss_weights_sdf"))).sum() + eikonal + (out.colour! * (try io.tensor("loss_weights_colour"))).sum()
        XCTAssertEqual(loss.item(), try io.tensor("loss").item(), accuracy: 1e-4)
        loss.backward()
        for (name, p) in head.trainableParameters {
            let expected = try io.tensor("grad.\(name)")
            assertClose(p.grad ?? Tensor(zeros: p.shape), expected, rtol: 1e-4, atol: 1e-5 * max(1, expected.toArray().map(abs).max()!), name)
        }
        for (name, code) in zip(["geometry", "appearance", "expression"], codes) {
            let expected = try io.tensor("grad.\(name)")
            assertClose(code.grad!, expected, rtol: 1e-4, atol: 1e-5 * max(1, expected.toArray().map(abs).max()!), "code \(name)")
        }
    }
}
