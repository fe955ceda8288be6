import Foundation
import Splat
import TestSupport
import XCTest

/// Inputs the fuzz harnesses found (Tests/Fuzz/*/regressions, docs/FUZZING.md), each now refused with
/// an error naming the file where it crashed or was read into something that trains on garbage.
final class SplatFuzzRegressionTests: XCTestCase {
    /// colmap-binary: an image claiming 2^62 observations overflowed `observations * 24` (a trap).
    func testColmapObservationCountBeyondTheFile() throws {
        let project = try FuzzRegressions.colmapProject("colmap-binary", "observation-count-overflow.colmap")
        assertThrows(try ViewsDataset.read(folder: project), containing: "sparse/0/images.bin: truncated: 4611686018427387904 observations of image 1")
    }

    /// colmap-binary: a focal length of 1e-300 is positive as a Double and 0 as the trainer's Float32
    /// (a camera of focal length 0 was trained on).
    func testColmapFocalLengthThatIsZeroInFloat32() throws {
        let project = try FuzzRegressions.colmapProject("colmap-binary", "focal-length-zero-in-float32.colmap")
        assertThrows(try ViewsDataset.read(folder: project), containing: "sparse/0/cameras.bin: camera 2 (OPENCV) has focal lengths")
    }

    /// colmap-text: a point "nan" (Double parses it) became a Gaussian at NaN with `--init points`.
    func testColmapNaNPoint() throws {
        let project = try FuzzRegressions.colmapProject("colmap-text", "nan-point.colmap")
        assertThrows(try ViewsDataset.read(folder: project), containing: "sparse/0/points3D.txt: point 1 of 5 has a non-finite position")
    }

    /// point-cloud-ply: points spread over ~1e300 (finite doubles, infinite as Float32 extents) gave
    /// initial Gaussians of infinite scale.
    func testPointCloudWhoseGaussiansWouldHaveInfiniteScales() throws {
        let path = try FuzzRegressions.copy("point-cloud-ply", "infinite-initial-scale.ply", as: "cloud.ply")
        assertThrows(try SplatInitialisation.pointCloud(path: path).gaussians(viewsFolder: Fixtures.temporaryDirectory(), training: [], config: TrainingConfig()),
                     containing: "cloud.ply: its points give Gaussians the renderer cannot draw")
    }

    /// splat-checkpoint: finite but extreme values (SH 2e38, quaternion components 1e34, a position
    /// 9e21) passed the checks and trained to a NaN loss.
    func testSplatCheckpointWithExtremeValues() throws {
        let path = try FuzzRegressions.copy("splat-checkpoint", "extreme-values-train-to-nan.safetensors", as: "fit.ply.checkpoint.safetensors")
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.shDegree) = (40, 6, 1)
        let views = SplatTrainerTests.views(of: SplatTrainerTests.groundTruth(), count: 4, size: 16)
        let trainer = SplatTrainer(views: views, config: config)
        assertThrows(try trainer.resume(from: path), containing: "fit.ply.checkpoint.safetensors: Gaussian 0 of 24 has the rotation (2.305843e+18")
        XCTAssertEqual(trainer.step, 0, "nothing restored")
    }

    /// The magnitude limits that refuse such values (`Gaussians.firstProblem`), each named, and values
    /// just inside them accepted.
    func testExtremeButFiniteGaussiansAreReported() {
        func line() -> Gaussians { GaussiansValidationTests.line() }
        var g = line()
        g.means[3] = 2e7
        XCTAssertEqual(g.firstProblem(), "Gaussian 1 of 4 has the position (2e+07, 0.0, 0.0) (coordinates beyond +-10000000 are refused)")
        g = line()
        g.quaternions[6] = -1e10
        XCTAssertEqual(g.firstProblem(), "Gaussian 1 of 4 has the rotation (1.0, 0.0, -1e+10, 0.0) (components beyond +-1000000000 are refused)")
        g = line()
        g.sh[5] = 2e4
        XCTAssertEqual(g.firstProblem(), "Gaussian 1 of 4 has the colour (SH) coefficient 20000.0 (coefficients beyond +-10000 are refused)")
        g = line()
        (g.means[0], g.quaternions[1], g.sh[0]) = (1e7, 1e9, -1e4)
        XCTAssertNil(g.firstProblem())
    }
}
