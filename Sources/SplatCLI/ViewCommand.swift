import ArgumentParser
import CommandSupport
import Foundation
import Geometry
import Splat
import Tensor

/// `splat view head.ply`: one self-contained HTML page (WebGL2 splat renderer, the splats inlined)
/// that opens in any browser with no network access; `--serve PORT` also serves it on 127.0.0.1.
struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view", abstract: "Write a self-contained web viewer page for splats (and a mesh), optionally serving it on 127.0.0.1.")

    @Argument(help: "Splats (INRIA PLY, or .spz).")
    var input: String

    @Option(help: "A mesh PLY (vertex colours optional) the page can switch to.")
    var mesh: String?

    @Option(help: "Output HTML file (default: the input with .html).")
    var out: String?

    @OptionGroup var background: BackgroundOption

    @Option(help: "Vertical field of view of the initial camera, degrees.")
    var fov: Float = OrbitRig.standard.fieldOfView

    @Option(help: "Serve the page at http://127.0.0.1:PORT/ until interrupted.")
    var serve: Int?

    @Flag(help: "Replace an existing output file.")
    var force = false

    func validate() throws {
        guard fov > 1 && fov < 170 else { throw ValidationError("--fov must be in (1, 170) degrees") }
        if let serve, !(1...65535).contains(serve) { throw ValidationError("--serve must be a port in 1...65535") }
    }

    func run() throws {
        let path = out ?? ((input as NSString).deletingPathExtension + ".html")
        if path == input || path == mesh { throw CommandFailure("\(path): refusing to overwrite an input; pass --out") }
        if !force && FileManager.default.fileExists(atPath: path) { throw CommandFailure("\(path): already exists (pass --force to replace it)") }
        let g = try SplatFormat.read(input)
        let coloured = try mesh.map(SplatViewer.ColouredMesh.read)
        let page = SplatViewer.page(g, mesh: coloured, camera: .framing(g, fov: fov), background: background.rgb)
        do { try AtomicFile.write(Data(page.utf8), to: path) } catch { throw CommandFailure("\(path): cannot write: \(error)") }
        print("wrote \(path): \(g.count) Gaussians\(coloured.map { ", a mesh of \($0.triangles.count / 3) triangles" } ?? ""), "
              + String(format: "%.1f MB", Double(page.utf8.count) / 1e6))
        if let serve {
            let server = try LocalPageServer(port: UInt16(serve), page: Data(page.utf8))
            print("serving http://127.0.0.1:\(serve)/ (Ctrl-C to stop)")
            server.run()
        }
    }
}
