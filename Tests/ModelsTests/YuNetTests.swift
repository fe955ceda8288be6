import Models
import NN
import Tensor
import TestSupport
import XCTest

/// YuNet's raw heads against onnxruntime on the dequantised graph (Tools/golden/make_yunet_fixtures.py).
final class YuNetTests: XCTestCase {
    func testHeadsMatchOnnxruntime() throws {
        let model = try YuNet.pretrained()
        let fx = try Fixtures.file("yunet/yunet.safetensors")
        let heads = noGrad { model.heads(try! fx.tensor("x")) }
        for (name, maps) in [("cls", heads.cls), ("bbox", heads.bbox), ("obj", heads.obj), ("kps", heads.kps)] {
            for (level, stride) in YuNet.Heads.strides.enumerated() {
                assertClose(maps[level], try fx.tensor("\(name)_\(stride)"), rtol: 1e-4, "\(name) at stride \(stride)")
            }
        }
    }
}
