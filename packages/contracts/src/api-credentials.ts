// Credentials a client presents besides a bearer token, as OpenAPI security schemes: the
// services that accept them name them in their routes' `security`.
export const ApiCredentials = {
  manageToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Manage-Token',
    description: 'The secret handed out once when a guest poll is created: lets its holder manage the poll.',
  },
  voteReceipt: {
    type: 'apiKey',
    in: 'header',
    name: 'Vote-Receipt',
    description: 'The receipt id a vote answered with: shows after_vote results to whoever voted.',
  },
} as const;
