import Foundation

/// Reading a diffusers `config.json` for UNetSpatioTemporalConditionModel.
extension UNetSpatioTemporalConfig {
    public struct ConfigError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The config of a diffusers UNetSpatioTemporalConditionModel directory's config.json. Sizes that
    /// diffusers allows per block (heads, layers) may be lists; layers must be the same on every level,
    /// and the block types must be SVD's (cross-attention everywhere but the deepest level).
    public init(diffusersConfigAt path: String) throws {
        func fail(_ message: String) -> ConfigError { ConfigError(description: "\(path): \(message)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file") }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw fail("not a JSON object") }
        if let name = json["_class_name"] as? String, name != "UNetSpatioTemporalConditionModel" {
            throw fail("is a \(name), not a UNetSpatioTemporalConditionModel")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = json[key] else { return nil }
            guard let number = value as? Int else { throw fail("\(key) must be an integer") }
            return number
        }
        /// An int or a list of `count` ints.
        func perLevel(_ key: String, _ count: Int) throws -> [Int]? {
            switch json[key] {
            case nil: return nil
            case let n as Int: return Array(repeating: n, count: count)
            case let list as [Int] where list.count == count: return list
            default: throw fail("\(key) must be an integer or a list of \(count)")
            }
        }
        self.init()
        if let channels = json["block_out_channels"] {
            guard let list = channels as? [Int], !list.isEmpty else { throw fail("block_out_channels must be a list of integers") }
            blockChannels = list
        }
        let levels = blockChannels.count
        let down = ["CrossAttnDownBlockSpatioTemporal"] * (levels - 1) + ["DownBlockSpatioTemporal"]
        let up = ["UpBlockSpatioTemporal"] + ["CrossAttnUpBlockSpatioTemporal"] * (levels - 1)
        if let types = json["down_block_types"], (types as? [String]) != down { throw fail("down_block_types must be \(down)") }
        if let types = json["up_block_types"], (types as? [String]) != up { throw fail("up_block_types must be \(up)") }
        inChannels = try int("in_channels") ?? inChannels
        outChannels = try int("out_channels") ?? outChannels
        heads = try perLevel("num_attention_heads", levels) ?? heads
        guard heads.count == levels else { throw fail("num_attention_heads needs one entry per block") }
        if let layers = try perLevel("layers_per_block", levels) {
            guard Set(layers).count == 1 else { throw fail("layers_per_block must be the same on every level") }
            layersPerBlock = layers[0]
        }
        if let layers = try perLevel("transformer_layers_per_block", levels) {
            guard Set(layers).count == 1 else { throw fail("transformer_layers_per_block must be the same on every level") }
            transformerLayers = layers[0]
        }
        if let dims = try perLevel("cross_attention_dim", levels) {
            guard Set(dims).count == 1 else { throw fail("cross_attention_dim must be the same on every level") }
            contextDim = dims[0]
        }
        let width = try int("addition_time_embed_dim") ?? addedTimeIdWidths[0]
        let total = try int("projection_class_embeddings_input_dim") ?? width * addedTimeIdWidths.count
        guard width > 0, total % width == 0 else {
            throw fail("projection_class_embeddings_input_dim \(total) is not a multiple of addition_time_embed_dim \(width)")
        }
        addedTimeIdWidths = Array(repeating: width, count: total / width)
    }
}

private func * (list: [String], count: Int) -> [String] { Array((0..<count).flatMap { _ in list }) }
