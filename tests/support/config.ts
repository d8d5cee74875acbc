import type { ConfigInput } from '../../main/config';

/** A complete, valid configuration (user pool, identity pool, redirect and logout URIs) that config tests vary. */
export const VALID_CONFIG: ConfigInput = {
  userPool: {
    issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz',
    clientId: '1example23456789abcdefghij',
    domain: 'https://or-hospital.auth.us-east-1.amazoncognito.com',
  },
  identityPool: { id: 'us-east-1:1a2b3c4d-1111-2222-3333-444455556666', region: 'us-east-1' },
  redirectUri: 'app.scrubin:/callback',
  logoutUri: 'app.scrubin:/signed-out',
};
