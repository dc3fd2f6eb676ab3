package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Hyper.power remembers recent powers: whatever it remembers, it returns Math.pow's bits. */
class HyperTest {

    private static final double[] BETAS = {0.9, 0.999, 0.99, 0.95, 0.98, 0.0, 0.5, 0.9999};

    /** Pairs drawn from a small pool, so that the same pairs come back and different ones share slots. */
    @Property(tries = 200)
    void rememberedPowersAreMathPowsBits(
            @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 7) Integer> betas,
            @ForAll @Size(min = 200, max = 200) List<@IntRange(min = 1, max = 40) Integer> steps) {
        for (int k = 0; k < betas.size(); k++) {
            double beta = BETAS[betas.get(k)];
            long step = steps.get(k);
            assertEquals(Double.doubleToRawLongBits(Math.pow(beta, step)),
                    Double.doubleToRawLongBits(Hyper.power(beta, step)), beta + "^" + step);
            assertEquals(1 - Math.pow(beta, step), Hyper.biasCorrection(beta, step));
        }
    }
}
