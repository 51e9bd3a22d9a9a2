// line 1
throw new Error('boom at startup');
