import Imaging
import Models
import Pipeline
import Tensor
import TestSupport
import XCTest

/// Orbit's whole identity pipeline (YuNet detection -> 5-point alignment -> SFace) against
/// OpenCV's (FaceDetectorYN -> FaceRecognizerSF.alignCrop -> feature) on the same photo
/// (Tools/golden/make_sface_fixtures.py).
final class FaceAnalysisTests: XCTestCase {
    func testPipelineEmbeddingMatchesOpenCVsOnTheAstronaut() throws {
        let image = try ImageIO.read(Fixtures.path("yunet/astronaut.png"))
        let result = try XCTUnwrap(FaceAnalysis.pretrained().analyse(image))
        XCTAssertEqual(result.faces.count, 1)
        XCTAssertNil(result.note)
        XCTAssertEqual(result.aligned.shape, [3, 112, 112])
        let ours = FaceAnalysis.embedding(result.aligned, model: try SFace.pretrained())
        let opencv = try Fixtures.file("sface/sface.safetensors").tensor("opencv_feature")
        // Measured 0.99993: the two alignments resample bilinearly with slightly different transforms.
        XCTAssertGreaterThanOrEqual(1 - identityDistance(ours, opencv).item(), 0.999)
    }

    func testNoFaceGivesNil() throws {
        XCTAssertNil(try FaceAnalysis.pretrained().analyse(try ImageIO.read(Fixtures.path("yunet/coffee.png"))))
    }
}
