package dev.vela.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The memory traffic of a benchmark method as a {@link Traffic} pattern (AdamW: {@code 1r3u}).
 * Its bytes must equal the method's {@link BytesPerElement}; {@link Summary} anchors the method
 * at {@link TrafficBench} running the same pattern.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface TrafficPattern {
    String value();
}
