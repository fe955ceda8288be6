import ArgumentParser
import Foundation
import Models
import Splat

/// `--background white|black|R,G,B` (components in 0...1 or 0...255).
struct BackgroundColour: ExpressibleByArgument {
    let rgb: SIMD3<Float>

    init?(argument: String) {
        switch argument.lowercased() {
        case "white": rgb = SIMD3(1, 1, 1)
        case "black": rgb = SIMD3(0, 0, 0)
        default:
            let parts = argument.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ $0 >= 0 }) else { return nil }
            let scale: Float = parts.contains { $0 > 1 } ? 255 : 1
            guard parts.allSatisfy({ $0 <= scale }) else { return nil }
            rgb = SIMD3(parts[0], parts[1], parts[2]) / scale
        }
    }

    var tuple: (Float, Float, Float) { (rgb.x, rgb.y, rgb.z) }
}

/// `--background`, shared by fit, render and eval.
struct BackgroundOption: ParsableArguments {
    @Option(help: "Background colour (transparent view pixels are composited on it; renders use it): white, black or R,G,B.")
    var background = BackgroundColour(argument: "white")!

    var tuple: (Float, Float, Float) { background.tuple }
    var rgb: SIMD3<Float> { background.rgb }
}

// The library's choices as option values (ArgumentParser lists them in --help and in its error for
// any other value).
extension PhotometricLoss.PixelTerm: ExpressibleByArgument {}
extension LPIPS.Backbone: ExpressibleByArgument {}
extension TrainingConfig.Preset: ExpressibleByArgument {}
extension SplatFormat: ExpressibleByArgument {}

/// `--init random|hull|points|FILE.ply`.
extension SplatInitialisation: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "random": self = .random
        case "hull": self = .visualHull
        case "points": self = .colmapPoints
        default:
            guard argument.lowercased().hasSuffix(".ply") else { return nil }
            self = .pointCloud(path: argument)
        }
    }

    public static var allValueStrings: [String] { ["random", "hull", "points", "FILE.ply"] }

    public var defaultValueDescription: String {
        switch self {
        case .random: return "random"
        case .visualHull: return "hull"
        case .colmapPoints: return "points"
        case .pointCloud(let path): return path
        }
    }
}
