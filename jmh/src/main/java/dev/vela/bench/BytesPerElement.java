package dev.vela.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Bytes a benchmark method must move per element, counted as STREAM counts them: each array
 * read once and each array written once, without the write-allocate read of a destination.
 * {@link BenchMain} turns a time per operation into bytes per second with it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface BytesPerElement {
    int value();
}
