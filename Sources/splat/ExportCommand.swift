import ArgumentParser
import CommandSupport
import Foundation
import Splat

/// `splat export head.ply --format splat`: the antimatter15 `.splat` (or a re-written PLY).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Convert splats: the web viewers' .splat, or a clean INRIA PLY.")

    @Argument(help: "Input PLY (INRIA 3DGS layout).")
    var input: String

    @Option(help: "splat or ply.")
    var format = "splat"

    @Option(help: "Output file (default: the input with the format's extension).")
    var out: String?

    func validate() throws {
        guard ["splat", "ply"].contains(format) else { throw ValidationError("--format must be splat or ply") }
    }

    func run() throws {
        let g: Gaussians
        do { g = try PLYFile.read(input) } catch { throw CommandFailure("\(error)") }
        let path = out ?? ((input as NSString).deletingPathExtension + "." + format)
        if path == input { throw CommandFailure("\(path): refusing to overwrite the input; pass --out") }
        if format == "splat" { try SplatFile.write(g, to: path) } else { try PLYFile.write(g, to: path) }
        print("wrote \(path): \(g.count) Gaussians")
    }
}
