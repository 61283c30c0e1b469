module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // Assertion helpers of the startup test are named expect*.
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'expect*'] },
    ],
  },
});
