import { PageTitle } from '../ui';

export function Customers() {
  return (
    <>
      <PageTitle>Customers</PageTitle>
      
    </>
  );
}
