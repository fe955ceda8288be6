import Foundation

/// Reading a diffusers `config.json` for UNetSpatioTemporalConditionModel.
extension UNetSpatioTemporalConfig {
    /// Sizes that diffusers allows per block (heads, layers) may be lists; layers must be the same on
    /// every level, and the block types must be SVD's (cross-attention everywhere but the deepest level).
    public init(diffusersConfigAt path: String) throws {
        let file = try ModelConfigFile(path: path)
        try file.require(className: "UNetSpatioTemporalConditionModel")
        self.init()
        blockChannels = try file.ints("block_out_channels") ?? blockChannels
        let levels = blockChannels.count
        try file.strings("down_block_types", mustEqual: Array(repeating: "CrossAttnDownBlockSpatioTemporal", count: levels - 1)
                                                        + ["DownBlockSpatioTemporal"])
        try file.strings("up_block_types", mustEqual: ["UpBlockSpatioTemporal"]
                                                    + Array(repeating: "CrossAttnUpBlockSpatioTemporal", count: levels - 1))
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
        addedTimeIdWidths = Array(repeating: width, count: total / width)
    }
}
