import Models
import NN
import Tensor
import TestSupport
import XCTest

/// SFace against onnxruntime on the dequantised model (Tools/golden/make_sface_fixtures.py).
final class SFaceTests: XCTestCase {
    func testEmbeddingsMatchOnnxruntime() throws {
        let model = try SFace.pretrained()
        let fx = try Fixtures.file("sface/sface.safetensors")
        for crop in ["aligned", "face", "offset"] {  // "aligned": OpenCV's alignCrop of the astronaut
            let e = noGrad { model(try! fx.tensor("\(crop).x")) }
            let cos = 1 - identityDistance(e, try fx.tensor("\(crop).embedding")).item()
            XCTAssertGreaterThanOrEqual(cos, 0.9999, crop)
            assertClose(e, try fx.tensor("\(crop).embedding"), rtol: 1e-3, "\(crop) embedding")
        }
    }

    func testIdentityDistanceAndItsGradientReachTheImage() throws {
        let model = try SFace.pretrained()
        let fx = try Fixtures.file("sface/sface.safetensors")
        let a = try fx.tensor("face.x").clone().requiringGrad(), b = try fx.tensor("offset.x")
        let d = identityDistance(model(a), noGrad { model(b) })
        XCTAssertGreaterThan(d.item(), 0)
        XCTAssertLessThan(d.item(), 1, "two crops of one face are closer than orthogonal")
        XCTAssertEqual(identityDistance(noGrad { model(b) }, noGrad { model(b) }).item(), 0, accuracy: 1e-6)
        d.sum().backward()
        XCTAssertGreaterThan(a.grad!.abs().sum().item(), 0)
    }
}
