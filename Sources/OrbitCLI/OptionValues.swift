import ArgumentParser
import Diffusion
import Pipeline
import Reconstruction

// The libraries' choices as option values (ArgumentParser lists them in --help and in its error for
// any other value).
extension EDMSampler.Method: ExpressibleByArgument {}
extension ReconstructionSettings.Quality: ExpressibleByArgument {}
extension IdentityEncoder: ExpressibleByArgument {}
extension HeadReconstruction.LatentEstimate: ExpressibleByArgument {}

/// `--split`: a part of an `orbit synth` dataset (dataset.json's splits).
enum DatasetSplit: String, CaseIterable, ExpressibleByArgument {
    case train, val, test
}

/// `--appearances 0|1|...|all`: one appearance index of each subject, or every one.
enum AppearanceChoice: ExpressibleByArgument, CustomStringConvertible {
    case index(Int), all

    init?(argument: String) {
        if argument == "all" { self = .all } else if let i = Int(argument), i >= 0 { self = .index(i) } else { return nil }
    }

    func includes(_ appearance: Int) -> Bool {
        if case .index(let i) = self { return i == appearance }
        return true
    }

    var description: String {
        switch self {
        case .index(let i): return "\(i)"
        case .all: return "all"
        }
    }

    var defaultValueDescription: String { description }
    static var allValueStrings: [String] { ["0", "1", "...", "all"] }
}

/// `--config NAME`: one of the generator's named configurations.
struct GeneratorConfigName: ExpressibleByArgument {
    let name: String, configuration: GeneratorModel.Configuration

    init?(argument: String) {
        guard let configuration = GeneratorModel.Configuration.named[argument] else { return nil }
        (name, self.configuration) = (argument, configuration)
    }

    var defaultValueDescription: String { name }
    static var allValueStrings: [String] { GeneratorModel.Configuration.named.keys.sorted() }
}
