package org.pclora.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.DecaySchedule;

/** Bad schedule parameters fail with one line naming the parameter and what is accepted. */
class ScheduleParametersTest {

    private static String error(DecaySchedule s, String hocon) {
        return assertThrows(PcLoraException.class, () -> s.configure(ConfigFactory.parseString(hocon))).getMessage();
    }

    @Test
    void unknownParameterNamesTheAcceptedOnes() {
        assertEquals("schedule 'exponential' has no parameter 'power': accepted parameters are rate (nearest: rate)",
                error(new ExponentialSchedule(), "power = 2"));
        assertEquals("schedule 'linear' has no parameter 'rate': it takes no parameters",
                error(new LinearSchedule(), "rate = 2"));
        assertEquals("schedule 'step' has no parameter 'level': accepted parameters are drops, levels (nearest: levels)",
                error(new StepSchedule(), "level = [0.5]"));
    }

    @Test
    void outOfRangeValuesAreRejected() {
        assertEquals("schedule 'exponential' parameter 'rate' must be a finite number > 0, got -1",
                error(new ExponentialSchedule(), "rate = -1"));
        assertEquals("schedule 'exponential' parameter 'rate' must be a finite number > 0, got 0",
                error(new ExponentialSchedule(), "rate = 0"));
        assertEquals("schedule 'polynomial' parameter 'power' expects a number, got string \"abc\"",
                error(new PolynomialSchedule(), "power = abc"));
        assertEquals("schedule 'step' parameter 'drops' must be strictly increasing fractions in (0, 1), got [0.5,0.25]",
                error(new StepSchedule(), "drops = [0.5, 0.25]"));
        assertEquals("schedule 'step' parameter 'drops' must be strictly increasing fractions in (0, 1), got [1]",
                error(new StepSchedule(), "drops = [1]"));
        assertEquals("schedule 'step' parameter 'levels' must be one level per drop (3 values, drops = [0.25, 0.5, 0.75]), got [0.5]",
                error(new StepSchedule(), "levels = [0.5]"));
        assertEquals("schedule 'step' parameter 'levels' must be non-increasing values in [0, 1], got [0.2,0.5]",
                error(new StepSchedule(), "drops = [0.2, 0.4], levels = [0.2, 0.5]"));
    }

    @Test
    void numbersGivenAsStringsAreAccepted() {
        // The command line hands parameters over as strings.
        DecaySchedule s = new PolynomialSchedule().configure(ConfigFactory.parseMap(Map.of("power", "3")));
        assertEquals(0.125, s.lambda(50, 100), 0.0); // 0.5^3
    }
}
