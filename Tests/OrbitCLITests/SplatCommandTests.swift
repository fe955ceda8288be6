import Foundation
import Imaging
import Splat
import TestSupport
import XCTest

/// `splat` end to end on what `orbit generate` writes (the tiny random generator: noise, but a real
/// views folder), and its bad-input errors.
extension OrbitCLITests {
    func splat(_ arguments: [String]) throws -> Run { try run(tool: "splat", arguments) }

    /// `splat fit` on a fresh views folder of the tiny generator (ROOT/views) to ROOT/head.ply.
    func fitTinyViews(_ options: [String]) throws -> (root: String, fit: Run) {
        let root = Fixtures.temporaryDirectory()
        XCTAssertEqual(try generate(try tinyModel(), out: root + "/views").status, 0)
        return (root, try splat(["fit", root + "/views", "--out", root + "/head.ply"] + options))
    }

    func testSplatFitsRendersExportsAndEvaluatesAGeneratedViewsFolder() throws {
        let root = Fixtures.temporaryDirectory()
        let model = try tinyModel()
        XCTAssertEqual(try generate(model, out: root + "/views").status, 0)
        let fit = try splat(["fit", root + "/views", "--out", root + "/out/head.ply", "--iterations", "30", "--gaussians", "400",
                             "--test-every", "5", "--json"])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(fit.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        XCTAssertEqual(report["held_out"] as? Int, 1)
        XCTAssertGreaterThan((report["psnr"] as! NSNumber).doubleValue, 5)
        let count = report["gaussians"] as! Int
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/out/head.curves.png"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out/head.ply.checkpoint.safetensors"))

        let export = try splat(["export", root + "/out/head.ply", "--format", "splat"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let bytes = try FileManager.default.attributesOfItem(atPath: root + "/out/head.splat")[.size] as! Int
        XCTAssertEqual(bytes, 32 * count)
        let spz = try splat(["export", root + "/out/head.ply", "--format", "spz"])
        XCTAssertEqual(spz.status, 0, spz.stderr)
        let back = try splat(["export", root + "/out/head.spz", "--format", "ply", "--out", root + "/out/from_spz.ply"])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertTrue(back.stdout.contains("\(count) Gaussians"), back.stdout)

        let render = try splat(["render", root + "/out/head.ply", "--cameras", root + "/views/transforms.json", "--out", root + "/renders"])
        XCTAssertEqual(render.status, 0, render.stderr)
        XCTAssertEqual(try ImageIO.read(root + "/renders/003.png").width, 32)
        let turntable = try splat(["render", root + "/out/head.ply", "--turntable", "--frames", "6", "--size", "48", "--out", root + "/turn.gif"])
        XCTAssertEqual(turntable.status, 0, turntable.stderr)
        let gif = try Data(contentsOf: URL(fileURLWithPath: root + "/turn.gif"))
        XCTAssertEqual(Array(gif.prefix(6)), Array("GIF89a".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/turn_frames").count, 6)

        let eval = try splat(["eval", root + "/out/head.ply", root + "/views", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let quality = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((quality["views"] as! [Any]).count, 5)
        XCTAssertNotNil(quality["psnr"] as? NSNumber)

        // LPIPS that is not installed is left out; an LPIPS file that is there but corrupt is an error naming it.
        let weights = root + "/weights"
        try FileManager.default.createDirectory(atPath: weights, withIntermediateDirectories: true)
        let without = try run(tool: "splat", ["eval", root + "/out/head.ply", root + "/views"], environment: ["ORBIT_WEIGHTS": weights])
        XCTAssertEqual(without.status, 0, without.stderr)
        XCTAssertTrue(without.stdout.contains("LPIPS n/a"), without.stdout)
        try Data(count: 100).write(to: URL(fileURLWithPath: weights + "/lpips_alex.safetensors"))
        let corrupt = try run(tool: "splat", ["eval", root + "/out/head.ply", root + "/views"], environment: ["ORBIT_WEIGHTS": weights])
        XCTAssertNotEqual(corrupt.status, 0)
        XCTAssertTrue(corrupt.stderr.contains(weights + "/lpips_alex.safetensors"), corrupt.stderr)
    }

    /// The seed paper's Eq. 6 preset trains with LPIPS on crops (AlexNet weights from `orbit setup`).
    func testSplatFitWithTheLPIPSTerm() throws {
        let (root, fit) = try fitTinyViews(["--iterations", "6", "--gaussians", "200", "--preset", "seed", "--lpips-crop", "0", "--json"])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/head.ply"))
        let small = try splat(["fit", root + "/views", "--out", root + "/small.ply", "--lpips-weight", "0.1", "--lpips-crop", "24"])
        XCTAssertNotEqual(small.status, 0)
        XCTAssertTrue(small.stderr.contains("LPIPS needs crops of at least 32 px"), small.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/small.ply"))
    }

    /// A COLMAP project (pycolmap's binary model, PINHOLE and OPENCV cameras) trains from its points.
    func testSplatFitsACOLMAPProjectFromItsPoints() throws {
        let dir = try Fixtures.colmapProject(level: 0.4)
        let fit = try splat(["fit", dir, "--out", dir + "/head.ply", "--init", "points", "--iterations", "5", "--test-every", "0", "--json"])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stdout.contains("3 views (0 held out)"), fit.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(fit.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        XCTAssertEqual(report["gaussians"] as? Int, 5, "one Gaussian per COLMAP point")
    }

    func testSplatRejectsBadInputNamingTheFile() throws {
        let root = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        let fit = try splat(["fit", root + "/empty", "--out", root + "/x.ply"])
        XCTAssertNotEqual(fit.status, 0)
        XCTAssertTrue(fit.stderr.contains("transforms.json: no such file"), fit.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/x.ply"))
        let broken = root + "/broken.ply"
        try Data("ply\nformat binary_little_endian 1.0\nelement vertex 10\nproperty float x\nend_header\n".utf8).write(to: URL(fileURLWithPath: broken))
        let export = try splat(["export", broken])
        XCTAssertNotEqual(export.status, 0)
        XCTAssertTrue(export.stderr.contains("broken.ply"), export.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/broken.splat"))

        // --test-every 1 held out every view (a trap); cameras of 100000x100000 pixels aborted the renderer.
        let everyView = try splat(["fit", root + "/empty", "--out", root + "/x.ply", "--test-every", "1"])
        XCTAssertNotEqual(everyView.status, 0)
        XCTAssertTrue(everyView.stderr.contains("--test-every 1 would hold out every view"), everyView.stderr)
        let pose = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]
        let cameras: [String: Any] = ["fl_x": 40, "w": 100_000, "h": 100_000, "frames": [["file_path": "a.png", "transform_matrix": pose]]]
        try JSONSerialization.data(withJSONObject: cameras).write(to: URL(fileURLWithPath: root + "/transforms.json"))
        try PLYFile.write(Gaussians(means: [0, 0, 0], logScales: [-3, -3, -3], quaternions: [1, 0, 0, 0], opacityLogits: [2], shDegree: 0,
                                     sh: [0.5, 0.5, 0.5]), to: root + "/g.ply")
        let render = try splat(["render", root + "/g.ply", "--cameras", root + "/transforms.json", "--out", root + "/renders"])
        XCTAssertNotEqual(render.status, 0)
        XCTAssertTrue(render.stderr.contains("transforms.json: frame 0's size 100000x100000 (10000000000 pixels) is over the limit"), render.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/renders"))
    }
}

extension OrbitCLITests {
    /// `splat fit --evaluate-every N`: a held-out line on standard error at every N-th step and at the
    /// end, and the same points in --json's curve, the last one the final evaluation.
    func testSplatFitReportsHeldOutQualityAsItTrains() throws {
        let (root, fit) = try fitTinyViews(["--iterations", "25", "--gaussians", "300", "--test-every", "5", "--evaluate-every", "10", "--json"])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        for step in [10, 20, 25] { XCTAssertTrue(fit.stderr.contains("held out at step \(step): PSNR "), fit.stderr) }
        let report = try JSONSerialization.jsonObject(with: Data(fit.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        let curve = report["curve"] as! [[String: Any]]
        XCTAssertEqual(curve.map { $0["step"] as? Int }, [10, 20, 25])
        XCTAssertEqual((curve.last!["psnr"] as! NSNumber).floatValue, (report["psnr"] as! NSNumber).floatValue)
        XCTAssertEqual((curve.last!["gaussians"] as! Int), report["gaussians"] as! Int)

        let bad = try splat(["fit", root + "/views", "--out", root + "/bad.ply", "--evaluate-every", "-1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--evaluate-every"), bad.stderr)
    }
}
