import Foundation

/// Reading and writing a diffusers `config.json` for UNetSpatioTemporalConditionModel. Orbit adds one
/// key diffusers ignores: `addition_time_embed_dims`, one sinusoid width per added time id (sv3d_p's
/// 256, 512, 512), written only when the widths differ.
extension UNetSpatioTemporalConfig {
    static var downBlockTypes: (Int) -> [String] {
        { Array(repeating: "CrossAttnDownBlockSpatioTemporal", count: $0 - 1) + ["DownBlockSpatioTemporal"] }
    }
    static var upBlockTypes: (Int) -> [String] {
        { ["UpBlockSpatioTemporal"] + Array(repeating: "CrossAttnUpBlockSpatioTemporal", count: $0 - 1) }
    }

    /// The config.json object diffusers builds this model from.
    public var diffusersConfig: [String: Any] {
        let levels = blockChannels.count
        var object: [String: Any] = [
            "_class_name": "UNetSpatioTemporalConditionModel", "_diffusers_version": "0.42.1",
            "in_channels": inChannels, "out_channels": outChannels, "block_out_channels": blockChannels,
            "down_block_types": Self.downBlockTypes(levels), "up_block_types": Self.upBlockTypes(levels),
            "layers_per_block": layersPerBlock, "num_attention_heads": heads,
            "transformer_layers_per_block": transformerLayers, "cross_attention_dim": contextDim,
            "addition_time_embed_dim": addedTimeIdWidths[0],
            "projection_class_embeddings_input_dim": addedTimeIdWidths.reduce(0, +),
        ]
        if Set(addedTimeIdWidths).count > 1 { object["addition_time_embed_dims"] = addedTimeIdWidths }
        if explicitFramePositions { object["orbit_frame_positions"] = "view_index" }
        return object
    }

    /// The most levels a config may have: 16 halve a latent 2^15 times already (the generator's
    /// resolution factor 8 << (levels - 1) overflowed to 0 beyond 61, a division by zero).
    public static let maximumLevels = 16

    /// Sizes that diffusers allows per block (heads, layers) may be lists; layers must be the same on
    /// every level, and the block types must be SVD's (cross-attention everywhere but the deepest level).
    public init(diffusersConfigAt path: String) throws {
        let file = try ModelConfigFile(path: path)
        try file.require(className: "UNetSpatioTemporalConditionModel")
        self.init()
        blockChannels = try file.ints("block_out_channels") ?? blockChannels
        let levels = blockChannels.count
        guard levels <= Self.maximumLevels else {
            throw file.fail("block_out_channels has \(levels) levels; at most \(Self.maximumLevels) (each level halves the latent)")
        }
        try file.strings("down_block_types", mustEqual: Self.downBlockTypes(levels))
        try file.strings("up_block_types", mustEqual: Self.upBlockTypes(levels))
        inChannels = try file.int("in_channels") ?? inChannels
        outChannels = try file.int("out_channels") ?? outChannels
        heads = try file.perLevel("num_attention_heads", levels) ?? heads
        guard heads.count == levels else { throw file.fail("num_attention_heads needs one entry per block") }
        layersPerBlock = try file.uniform("layers_per_block", levels) ?? layersPerBlock
        transformerLayers = try file.uniform("transformer_layers_per_block", levels) ?? transformerLayers
        contextDim = try file.uniform("cross_attention_dim", levels) ?? contextDim
        let width = try file.int("addition_time_embed_dim") ?? addedTimeIdWidths[0]
        let total = try file.int("projection_class_embeddings_input_dim") ?? width * addedTimeIdWidths.count
        guard width > 0, total % width == 0 else {
            throw file.fail("projection_class_embeddings_input_dim \(total) is not a multiple of addition_time_embed_dim \(width)")
        }
        if let widths = try file.ints("addition_time_embed_dims") {
            guard widths.reduce(0, +) == total, widths.allSatisfy({ $0 > 0 && $0 % 2 == 0 }) else {
                throw file.fail("addition_time_embed_dims \(widths) must be even widths summing to projection_class_embeddings_input_dim \(total)")
            }
            addedTimeIdWidths = widths
        } else {
            addedTimeIdWidths = Array(repeating: width, count: total / width)
        }
        try file.requirePositive(["in_channels": [inChannels], "out_channels": [outChannels], "block_out_channels": blockChannels,
                                  "num_attention_heads": heads, "layers_per_block": [layersPerBlock],
                                  "transformer_layers_per_block": [transformerLayers], "cross_attention_dim": [contextDim]])
        try file.requireLayerCounts(["layers_per_block": layersPerBlock, "transformer_layers_per_block": transformerLayers])
        try file.require("the group norms' group count", 32, divides: "block_out_channels", blockChannels)
        for (channels, h) in zip(blockChannels, heads) { try file.require("num_attention_heads", h, divides: "block_out_channels", [channels]) }
        if let positions = try file.string("orbit_frame_positions") {
            guard positions == "view_index" else { throw file.fail("orbit_frame_positions must be \"view_index\", got \"\(positions)\"") }
            explicitFramePositions = true
        }
    }
}
