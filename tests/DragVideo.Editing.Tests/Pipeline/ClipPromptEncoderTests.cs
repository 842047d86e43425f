using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Tokenizers;
using DragVideo.Diffusion.Pipeline;
using DragVideo.Testing;

namespace DragVideo.Editing.Tests.Pipeline;

public class ClipPromptEncoderTests
{
    private static ClipTextModel TinyTextEncoder()
    {
        TorchRuntime.EnsureLoaded();
        var model = new ClipTextModel(ClipTextConfig.FromJsonFile(Fixtures.PathOf("clip_text", "config.json")));
        return model;
    }

    [Fact]
    public void A_tokenizer_larger_than_the_text_encoders_vocabulary_is_refused_when_the_pipeline_is_built()
    {
        using var model = TinyTextEncoder(); // vocabulary of 1,000 tokens
        var tokenizer = ClipTokenizer.FromFolder(Fixtures.PathOf("tokenizer")); // 49,408 tokens
        var act = () => new ClipPromptEncoder(model, tokenizer);
        act.Should().Throw<ModelLoadException>().WithMessage("*49408 tokens*embeds only 1000*");
    }

    [Fact]
    public void Matching_tokenizer_and_text_encoder_encode_a_prompt_to_77_positions()
    {
        TorchRuntime.EnsureLoaded();
        var tokenizer = ClipTokenizer.FromFolder(Fixtures.PathOf("tokenizer"));
        using var model = new ClipTextModel(ClipTextConfig.FromJsonFile(Fixtures.PathOf("clip_text", "config.json")) with { VocabSize = tokenizer.VocabularySize });
        using var embedding = new ClipPromptEncoder(model, tokenizer).Encode("best quality");
        embedding.shape.Should().Equal(1, 77, model.Config.HiddenSize);
    }
}
