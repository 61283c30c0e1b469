import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Pages are lazy-loaded and the first render of a test file transforms many
// modules; on small CI machines that can exceed the 1 s default.
configure({ asyncUtilTimeout: 5000 });
