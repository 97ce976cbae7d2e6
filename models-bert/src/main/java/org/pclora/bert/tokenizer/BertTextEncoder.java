package org.pclora.bert.tokenizer;

import com.typesafe.config.Config;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.bert.BertModel;
import org.pclora.core.model.Batch;
import org.pclora.core.model.TextEncoder;

/**
 * BERT's {@link TextEncoder}: [CLS] text [SEP] through a {@link BertTokenizer}, in the layout of
 * the text datasets' batches (ids and token types int32 [B, L], attention mask float32 [B, L],
 * L the longest text's length).
 */
public final class BertTextEncoder implements TextEncoder {
    private final BertTokenizer tokenizer;

    public BertTextEncoder(BertTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public Batch encode(List<String> texts) {
        BertTokenizer.Encoded[] es = tokenizer.encodeAll(texts);
        int b = es.length;
        int len = Arrays.stream(es).mapToInt(BertTokenizer.Encoded::length).max().orElse(0);
        int[] ids = new int[b * len];
        int[] types = new int[b * len];
        float[] mask = new float[b * len];
        for (int k = 0; k < b; k++) {
            System.arraycopy(es[k].ids(), 0, ids, k * len, len);
            System.arraycopy(es[k].typeIds(), 0, types, k * len, len);
            for (int i = 0; i < len; i++) {
                mask[k * len + i] = es[k].mask()[i];
            }
        }
        return Batch.of(Nd4j.createFromArray(ids).reshape(b, len), null)
                .with(BertModel.ATTENTION_MASK, Nd4j.createFromArray(mask).reshape(b, len).castTo(DataType.FLOAT))
                .with(BertModel.TOKEN_TYPES, Nd4j.createFromArray(types).reshape(b, len));
    }

    @Override
    public Config description() {
        return tokenizer.description();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
