import Imaging
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

/// Detections against OpenCV's FaceDetectorYN on the same photos (Tools/golden/make_face_detection_fixtures.py).
final class FaceDetectionTests: XCTestCase {
    func testDetectionsMatchOpenCV() throws {
        let model = try YuNet.pretrained()
        let expected = try Fixtures.file("yunet/detections.safetensors")
        for photo in ["astronaut", "coffee"] {
            let rgb = try ImageIO.read(Fixtures.path("yunet/\(photo).png")).compositedRGB().tensor()
            let faces = model.detect(rgb: rgb)
            let ref = try expected.tensor(photo).toArray()
            if ref[0] == -1 {
                XCTAssertTrue(faces.isEmpty, "\(photo): OpenCV finds no face, Orbit found \(faces.count)")
                continue
            }
            XCTAssertEqual(faces.count, ref.count / 15, photo)
            guard let f = faces.first else { continue }
            let ours = [f.x, f.y, f.width, f.height] + f.landmarks.flatMap { [$0.0, $0.1] }
            for (k, (a, b)) in zip(ours, ref.prefix(14)).enumerated() {
                XCTAssertEqual(a, b, accuracy: 1, "\(photo) value \(k) (pixels)")
            }
            XCTAssertEqual(f.score, ref[14], accuracy: 1e-3, "\(photo) score")
        }
    }

    func testSuppressionKeepsTheBestOfOverlappingBoxes() {
        let face = { (x: Float, s: Float) in FaceDetection(x: x, y: 0, width: 10, height: 10, landmarks: [], score: s) }
        let kept = YuNet.suppress([face(0, 0.8), face(1, 0.95), face(30, 0.9)], threshold: 0.3, topK: 10)
        XCTAssertEqual(kept.map(\.score), [0.95, 0.9])
    }
}
