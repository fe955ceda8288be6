import Foundation
import Imaging
import Synth
import Tensor

/// One image set of an `orbit synth` dataset: a subject in one appearance, a 96-view orbit.
public struct ImageSetReference: Sendable, Hashable {
    public let subject: Int, appearance: Int
    /// The image set's folder (views/, mesh.ply, parameters.json, sdf.safetensors).
    public let path: String

    public init(subject: Int, appearance: Int, path: String) { (self.subject, self.appearance, self.path) = (subject, appearance, path) }

    /// The set of (subject, appearance) in the dataset folder `root`.
    public init(root: String, subject: Int, appearance: Int) {
        self.init(subject: subject, appearance: appearance, path: root + "/" + SynthDataset.folder(subject: subject, appearance: appearance))
    }

    public var name: String { String(format: "subject_%04d_appearance_%02d", subject, appearance) }

    /// The subject and appearance `orbit synth` drew (parameters.json).
    public func parameters() throws -> HeadParameters {
        let file = path + "/parameters.json"
        do { return try JSONDecoder().decode(HeadParameters.self, from: Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw TrainingError("\(file): cannot read the subject's parameters: \(error)")
        }
    }
    public var viewsPath: String { path + "/views" }

    /// The file of view `index` (000.png ...).
    public func viewPath(_ index: Int) -> String { String(format: "%@/%03d.png", viewsPath, index) }

    /// View `index` as an RGB image, alpha composited on white (what `orbit generate` puts a portrait on).
    public func viewImage(_ index: Int) throws -> Image { try ImageIO.read(viewPath(index)).compositedRGB() }

    /// View `index` as RGB [3, R, R] in [-1, 1].
    public func view(_ index: Int) throws -> Tensor { try viewImage(index).tensor() * 2 - 1 }
}

/// An `orbit synth` dataset folder read for training: its resolution, its splits by subject, and
/// the image sets that are complete on disk (synth renames a set into place only when it is whole,
/// so a dataset still being written can be trained on: the sets present are listed).
public struct SynthImageSets: Sendable {
    public let root: String
    public let resolution: Int
    public let appearances: Int
    public let splits: [String: [Int]]

    public init(root: String) throws {
        let file = root + "/dataset.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TrainingError("\(file): no such file (make the dataset with `orbit synth --out \(root)`)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resolution = object["resolution"] as? Int, let appearances = object["appearances"] as? Int,
              let splits = object["splits"] as? [String: [Int]]
        else { throw TrainingError("\(file): not an orbit synth dataset.json (resolution, appearances, splits)") }
        (self.root, self.resolution, self.appearances, self.splits) = (root, resolution, appearances, splits)
    }

    /// The complete image sets of a split ("train", "val", "test"), in (subject, appearance) order.
    public func imageSets(split: String) throws -> [ImageSetReference] {
        guard let subjects = splits[split] else {
            throw TrainingError("\(root)/dataset.json: no split '\(split)' (has \(splits.keys.sorted().joined(separator: ", ")))")
        }
        let files = FileManager.default
        return subjects.sorted().flatMap { subject in
            (0..<appearances).compactMap { appearance -> ImageSetReference? in
                let set = ImageSetReference(root: root, subject: subject, appearance: appearance)
                return files.fileExists(atPath: set.viewsPath + "/transforms.json") ? set : nil
            }
        }
    }
}

public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
