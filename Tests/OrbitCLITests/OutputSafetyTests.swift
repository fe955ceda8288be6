import Foundation
import Imaging
import TestSupport
import XCTest

/// Outputs never replace inputs, replace earlier outputs only with --force, are checked before any
/// work, and failed runs leave no empty folders behind.
extension OrbitCLITests {
    func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func assertFails(_ run: Run, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, "should fail: \(message)", file: file, line: line)
        XCTAssertTrue(run.stderr.contains(message), run.stderr, file: file, line: line)
    }

    func testSplatFitAndRenderNeverReplaceTheirInputs() throws {
        let root = Fixtures.temporaryDirectory()
        let views = root + "/views"
        XCTAssertEqual(try generate(try tinyModel(), out: views).status, 0)
        let transforms = try contents(views + "/transforms.json"), image = try contents(views + "/000.png")
        let fit = ["--iterations", "3", "--gaussians", "50"]

        let out = root + "/fits/head.ply"
        XCTAssertEqual(try splat(["fit", views, "--out", out] + fit).status, 0)
        for force in [[], ["--force"]] {
            assertFails(try splat(["fit", views, "--out", views + "/transforms.json"] + fit + force),
                        "views/transforms.json: is one of this command's inputs; refusing to overwrite it")
            assertFails(try splat(["render", out, "--cameras", views + "/transforms.json", "--out", views] + force),
                        "views/000.png: is one of this command's inputs")
        }
        XCTAssertEqual(try contents(views + "/transforms.json"), transforms)
        XCTAssertEqual(try contents(views + "/000.png"), image)

        // An earlier output needs --force; a folder or a path under a file is refused before training.
        let first = try contents(out)
        assertFails(try splat(["fit", views, "--out", out, "--seed", "1"] + fit), "fits/head.ply: already exists (pass --force to replace it)")
        XCTAssertEqual(try contents(out), first)
        XCTAssertEqual(try splat(["fit", views, "--out", out, "--seed", "1", "--force"] + fit).status, 0)
        XCTAssertNotEqual(try contents(out), first)
        assertFails(try splat(["fit", views, "--out", root + "/fits"] + fit), "fits: is a folder; --out names the file to write")
        assertFails(try splat(["fit", views, "--out", out + "/x.ply"] + fit), "fits/head.ply is a file, not a folder")

        // An interrupted run's checkpoint is kept unless --resume or --force says what to do with it.
        let other = root + "/other.ply"
        try Data("checkpoint".utf8).write(to: URL(fileURLWithPath: other + ".checkpoint.safetensors"))
        assertFails(try splat(["fit", views, "--out", other] + fit),
                    "other.ply.checkpoint.safetensors: an interrupted run's checkpoint; pass --resume to continue it or --force to start over")
        XCTAssertEqual(try contents(other + ".checkpoint.safetensors"), Data("checkpoint".utf8))

        // A run that fails leaves no folders it created.
        assertFails(try splat(["fit", root + "/nowhere", "--out", root + "/new/deeper/head.ply"]), "nowhere: no such folder")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/new"))

        // Renders and exports: a second run needs --force.
        let render = ["render", out, "--cameras", views + "/transforms.json", "--out", root + "/renders"]
        XCTAssertEqual(try splat(render).status, 0)
        assertFails(try splat(render), "renders/000.png: already exists (pass --force to replace it)")
        XCTAssertEqual(try splat(render + ["--force"]).status, 0)
        let turntable = ["render", out, "--turntable", "--frames", "2", "--size", "32", "--out", root + "/turn.gif"]
        XCTAssertEqual(try splat(turntable).status, 0)
        assertFails(try splat(turntable), "turn.gif: already exists")
        XCTAssertEqual(try splat(["export", out]).status, 0)
        assertFails(try splat(["export", out]), "fits/head.splat: already exists (pass --force to replace it)")
        XCTAssertEqual(try splat(["export", out, "--force"]).status, 0)
        assertFails(try splat(["export", out, "--format", "ply", "--force"]), "fits/head.ply: is one of this command's inputs")
    }

    func testFaceAndGenerateKeepOutputsSafe() throws {
        let root = Fixtures.temporaryDirectory()
        let face = ["face", Fixtures.path("yunet/astronaut.png"), "--out", root + "/faces"]
        XCTAssertEqual(try orbit(face).status, 0)
        assertFails(try orbit(face), "faces/astronaut_aligned.png: already exists (pass --force to replace it)")
        XCTAssertEqual(try orbit(face + ["--force"]).status, 0)
        assertFails(try orbit(["face", Fixtures.path("yunet/coffee.png"), "--out", root + "/none/here"]), "coffee.png: no face found")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/none"))

        // Stale files in OUT.partial (another job's, a user's) do not end up in the output.
        let model = try tinyModel()
        try FileManager.default.createDirectory(atPath: root + "/views.partial", withIntermediateDirectories: true)
        for name in ["095.png", "notes.txt"] { try Data("stale".utf8).write(to: URL(fileURLWithPath: root + "/views.partial/" + name)) }
        XCTAssertEqual(try generate(model, out: root + "/views").status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/views").sorted(),
                       ["000.png", "001.png", "002.png", "003.png", "004.png", "input.png", "transforms.json"])
        try Data().write(to: URL(fileURLWithPath: root + "/file"))
        assertFails(try generate(model, out: root + "/file/views"), "file/views: cannot be created: ")
    }
}
