import ArgumentParser
import CommandSupport
import Foundation
import Splat

/// `splat export head.ply --format splat|spz|ply`: the antimatter15 `.splat`, Niantic's `.spz` (or a
/// re-written PLY).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Convert splats: the web viewers' .splat, Niantic's compact .spz, or a clean INRIA PLY.")

    @Argument(help: "Input PLY (INRIA 3DGS layout) or .spz.")
    var input: String

    @Option(help: "splat, spz or ply.")
    var format = "splat"

    @Option(help: "Output file (default: the input with the format's extension).")
    var out: String?

    func validate() throws {
        guard ["splat", "spz", "ply"].contains(format) else { throw ValidationError("--format must be splat, spz or ply") }
    }

    func run() throws {
        let g: Gaussians
        do { g = input.lowercased().hasSuffix(".spz") ? try SpzFile.read(input) : try PLYFile.read(input) } catch { throw CommandFailure("\(error)") }
        let path = out ?? ((input as NSString).deletingPathExtension + "." + format)
        if path == input { throw CommandFailure("\(path): refusing to overwrite the input; pass --out") }
        switch format {
        case "splat": try SplatFile.write(g, to: path)
        case "spz": try SpzFile.write(g, to: path)
        default: try PLYFile.write(g, to: path)
        }
        print("wrote \(path): \(g.count) Gaussians")
    }
}
